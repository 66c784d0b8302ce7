-- POST /aggregate with one valid record; counts 200s in which not all three upstreams succeeded
-- (a timed-out upstream is reported in a 200) and prints them for the harness as bad responses.
-- Other statuses are already counted by wrk ("Non-2xx or 3xx responses").
local threads = {}
bad = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"features":{"sepal_length_cm":5.1,"sepal_width_cm":3.5,'
    .. '"petal_length_cm":1.4,"petal_width_cm":0.2}}'
end

function response(status, headers, body)
  if status == 200 and not (string.find(body, '"failed"%s*:%s*0[,}]')
      and string.find(body, '"succeeded"%s*:%s*3[,}]')) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("Bad responses: %d\n", total))
end
