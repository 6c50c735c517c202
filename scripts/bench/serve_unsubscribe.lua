-- wrk script: RFC 8058 one-click POSTs, each to the next reader's token
-- from tokens.txt (one path a line), so nearly every request is a real
-- status change written to the subscriber store.
local paths = {}
for line in io.lines(os.getenv("TOKENS")) do paths[#paths + 1] = line end

local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

-- Each of the THREADS threads walks its own share of the tokens, so no
-- reader is asked for twice while the shares last.
function init(args)
  n = offset * math.floor(#paths / tonumber(os.getenv("THREADS") or "1"))
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "List-Unsubscribe=One-Click")
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx: %d, socket errors: %d\n", non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
