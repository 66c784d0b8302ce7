-- POST /api/items with names unique to this run: args[1] is a per-run prefix, tid the wrk thread.
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = (args[1] or tostring(os.time())) .. "-" .. tostring(tid or 0)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = '{"name":"' .. prefix .. "-" .. counter .. '","description":"benchmark"}'
  return wrk.format(nil, "/api/items", nil, body)
end
