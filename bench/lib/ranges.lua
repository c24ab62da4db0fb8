-- wrk script: random single ranges of RANGE_BYTES within a FILE_SIZE-byte file, until each thread
-- has had REQUESTS_PER_THREAD answers. Anything but 206 is counted (and printed at the end).
-- wrk's main thread sleeps for the whole -d duration whatever the threads do, so each thread
-- prints THREAD_DONE when it has its answers; the caller times those and ends wrk with SIGINT
-- (wrk then still runs done()).
local size = tonumber(os.getenv("FILE_SIZE"))
local span = tonumber(os.getenv("RANGE_BYTES"))
local limit = tonumber(os.getenv("REQUESTS_PER_THREAD"))
local auth = os.getenv("AUTHORIZATION")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  answered = 0
  bad = 0
end

function request()
  local start = math.random(0, size - span)
  -- headers given to wrk.format replace wrk.headers, so every header goes here
  local headers = { Range = "bytes=" .. start .. "-" .. (start + span - 1) }
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 206 or #body ~= span then bad = bad + 1 end
  if answered == limit then
    io.write("THREAD_DONE\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local answeredAll, badAll = 0, 0
  for _, t in ipairs(threads) do
    answeredAll = answeredAll + t:get("answered")
    badAll = badAll + t:get("bad")
  end
  io.write(string.format(
    "RESULT {\"requests\":%d,\"answered\":%d,\"bad\":%d,\"seconds\":%.6f,\"bytes\":%d,\"errors\":%d,\"p50ms\":%.3f,\"p99ms\":%.3f}\n",
    summary.requests, answeredAll, badAll, summary.duration / 1e6, summary.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
