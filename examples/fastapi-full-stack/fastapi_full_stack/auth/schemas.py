"""Sign-up and log-in forms, validated like any API body."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


def _looks_like_email(value: str) -> str:
    # Deliberately loose: a confirmation mail, not a regex, proves an address works.
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise ValueError("enter an email address like name@example.com")
    return value


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254),
    AfterValidator(_looks_like_email),
]
# 1024 bounds the hashing work an attacker can ask for; 10 is NIST SP 800-63B's floor plus margin.
NewPassword = Annotated[str, StringConstraints(min_length=10, max_length=1024)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class SignupForm(BaseModel):
    """Fields of the sign-up form."""

    email: Email
    password: NewPassword


class LoginForm(BaseModel):
    """Fields of the log-in form."""

    email: Email
    password: Password


class UserRead(BaseModel):
    """An account as the app sees it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
