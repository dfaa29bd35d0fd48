-- Participate presses posted straight to the bot's webhook (through nginx) by wrk, the
-- way Telegram's Bot API server delivers them: each update once, sent again after a
-- second when the bot answered non-2xx. The answer comes back in the response.
--
--   wrk -t N -c N -d 600s -s presses.lua URL -- CONFIG
--
-- One connection per thread, so a response always belongs to the thread's last request.
-- CONFIG is a Lua file returning {bodies=, out=, secret=, start=, rate=} (written by
-- tests/benchmarks/wrk_presses.py): `bodies` holds one JSON update a line; thread k of N
-- sends lines k+1, k+1+N, ...; `start` is the CLOCK_MONOTONIC second of the first press,
-- `rate` presses a second over all threads (0: all at once). Every answer is a line
-- "index status answered seconds" in `out`.thread-k.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local made = 0
function setup(thread)
  thread:set("thread_number", made)
  made = made + 1
end

local config, bodies, order, out, headers
local next_item, retries, left, current, awaiting = 1, {}, 0, nil, false
local threads

function init(args)
  config = dofile(args[1])
  headers = {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = config.secret,
  }
  threads = config.threads
  bodies, order = {}, {}
  local index = 0
  for line in io.lines(config.bodies) do
    if index % threads == thread_number then
      bodies[index] = line
      order[#order + 1] = index
    end
    index = index + 1
  end
  left = #order
  out = io.open(config.out .. ".thread-" .. thread_number, "w")
  out:setvbuf("line")
end

local function due(index)
  if config.rate > 0 then
    return config.start + index / config.rate
  end
  return config.start
end

function delay()
  if awaiting then
    return 0 -- the same update again (see request)
  end
  local item = retries[1] or (order[next_item] and { index = order[next_item], at = 0 })
  if item == nil then
    return 1000
  end
  local at = math.max(item.at, due(item.index))
  return math.max(0, (at - now()) * 1000)
end

function request()
  -- Asked again before a response came: wrk's check of the script at start (it builds
  -- one request of thread 0 and sends nothing), or a reconnection. Send the same update.
  if awaiting then
    return wrk.format("POST", nil, headers, bodies[current])
  end
  if retries[1] ~= nil then
    current = table.remove(retries, 1).index
  elseif order[next_item] ~= nil then
    current = order[next_item]
    next_item = next_item + 1
  else
    current = nil -- nothing left to send (unreachable with one connection a thread)
    return wrk.format("GET", "/healthz")
  end
  awaiting = true
  return wrk.format("POST", nil, headers, bodies[current])
end

function response(status, _, body)
  awaiting = false
  if current == nil then
    return
  end
  local answered = status == 200 and body:find("answerCallbackQuery", 1, true) ~= nil
  out:write(string.format("%d %d %d %.6f\n", current, status, answered and 1 or 0, now()))
  if status >= 200 and status < 300 then
    left = left - 1
    if left == 0 then
      out:close()
      wrk.thread:stop()
    end
  else
    retries[#retries + 1] = { index = current, at = now() + 1 }
  end
end
