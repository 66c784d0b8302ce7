-- GET /api/items/{id} over ids 1..N, prepared once so wrk spends no time per request building them.
local requests = {}
local n = 0
local i = 0

function init(args)
  local rows = tonumber(args[1] or "10000")
  math.randomseed(os.time())
  for k = 1, 1000 do
    requests[k] = wrk.format("GET", "/api/items/" .. math.random(1, rows))
  end
  n = #requests
end

function request()
  i = i % n + 1
  return requests[i]
end
