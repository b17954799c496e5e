-- wrk script: each thread posts its own file of ready, pre-signed webhook requests
-- (bench/make_webhooks.py: BENCH_WEBHOOKS.<thread>, NUL after each), so every request carries
-- a unique message id. The file is read whole in `init` (milliseconds: wrk starts each thread
-- as soon as its own `init` returns, and its clock only after the last one), and each request
-- is cut from it when wrk asks for it.
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_WEBHOOKS") .. "." .. index, "rb"))
  requests = file:read("*a")
  file:close()
  position = 1
end

function request()
  local stop = string.find(requests, "\0", position, true)
  if not stop then  -- wraps: later requests are redeliveries
    position = 1
    stop = string.find(requests, "\0", 1, true)
  end
  local request = string.sub(requests, position, stop - 1)
  position = stop + 1
  return request
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors_status=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
