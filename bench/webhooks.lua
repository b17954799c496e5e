-- wrk script: each thread posts its own file of ready, pre-signed webhook requests
-- (bench/make_webhooks.py: BENCH_WEBHOOKS.<thread>, NUL after each), so every request carries
-- a unique message id, cut from the file when wrk asks for it.
--
-- When the file is read matters: wrk runs each thread's `init` in its main thread, one thread
-- after the other, starts each thread as soon as its own `init` is done, and starts its clock
-- after the last. Thread 0 reads its file in `init`, before anything runs; the others read
-- theirs at their first request, inside the measured window (a read of a few tenths of a
-- second at most, so the rate comes out a little low, never high). Building the requests in
-- `init` instead let thread 0 post for seconds before the clock started (BENCHMARKS.md,
-- session 16).
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
end

local function load()
  local file = assert(io.open(os.getenv("BENCH_WEBHOOKS") .. "." .. index, "rb"))
  requests = file:read("*a")
  file:close()
  position = 1
end

function init(args)
  if index == 0 then load() end
end

function request()
  if not requests then load() end
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
