-- wrk script: POST /blocks/<id>/save to IOP-rapport (not htmx: 302 on a save, 409 on a conflict).
--
--   wrk -t2 -c20 -d10s -s bench/wrk/iop_save.lua http://127.0.0.1:PORT/ -- PARAMS.lua THREADS TAG
--
-- PARAMS.lua (written by bench/save_vs_wagtail.py) defines
--   iop_blocks = { {id=, version=, cookie=, csrf=}, ... }  -- one signed-in session per block
--   iop_head, iop_tail  -- the urlencoded text (~10 kB) before and after a unique marker
--   iop_note            -- the revision note, so the bench counts its own revisions
-- A block is never in two requests at once: thread t takes blocks t, t+THREADS, ... (at least
-- as many as its connections), a request takes a free block and its answer frees it again.
-- The answer says which block it was for (302: Location /blocks/<id>; 409: the editor's form
-- action) and the version to send next (302: version + 1, as the save bumped it; 409: the
-- base_version the re-drawn editor carries). A 409 is a failure, counted apart from the 3xx.
-- Any other answer cannot be matched to its block: the block stays "in flight" and is taken
-- again, oldest first, only when no block is free (counted as "reused"). wrk itself calls
-- request() once on thread 1 before connecting (script_verify_request) and never sends that
-- one: its block is the first to be taken again, which is not counted.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  local nthreads = tonumber(args[2])
  tag = args[3] or "r"
  n = 0; s2xx = 0; s3xx = 0; s409 = 0; sother = 0; reused = 0; unmatched = 0
  mine, free, inflight = {}, {}, {}
  for i, b in ipairs(iop_blocks) do
    if (i - 1) % nthreads == tid - 1 then
      mine[b.id] = b
      table.insert(free, b)
    end
  end
  headers_for = {}
  for id, b in pairs(mine) do
    headers_for[id] = {
      ["Cookie"] = b.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    }
  end
end

local function take()
  local b = table.remove(free, 1)
  if b == nil then
    b = table.remove(inflight, 1)  -- its answer never came back (a socket error)
    if b ~= unsent then reused = reused + 1 end
    unsent = nil
  end
  table.insert(inflight, b)
  return b
end

local function give_back(id)
  local b = mine[id]
  if b == nil then unmatched = unmatched + 1; return end
  for i, x in ipairs(inflight) do
    if x == b then table.remove(inflight, i); table.insert(free, b); return end
  end
end

function request()
  local b = take()
  if tid == 1 and n == 0 then unsent = b end  -- perhaps wrk's own check, never sent
  n = n + 1
  local body = "csrf_token=" .. b.csrf .. "&base_version=" .. b.version .. "&note=" .. iop_note ..
    "&source=" .. iop_head .. tag .. "-t" .. tid .. "-" .. n .. iop_tail
  -- a fresh headers table: wrk.format adds Host and Content-Length to the one it gets
  local h = {}
  for k, v in pairs(headers_for[b.id]) do h[k] = v end
  return wrk.format("POST", "/blocks/" .. b.id .. "/save", h, body)
end

function response(status, headers, body)
  local id
  if status == 302 then
    s3xx = s3xx + 1
    local location = headers["Location"] or headers["location"] or ""
    id = tonumber(string.match(location, "/blocks/(%d+)"))
    if id and mine[id] then mine[id].version = mine[id].version + 1 end
  elseif status == 409 then
    s409 = s409 + 1
    id = tonumber(string.match(body, 'action="/blocks/(%d+)/save"'))
    local input = string.match(body, '<input[^>]*name="base_version"[^>]*>')
    local version = input and tonumber(string.match(input, 'value="(%d+)"'))
    if id and version and mine[id] then mine[id].version = version end
  elseif status >= 200 and status < 300 then
    s2xx = s2xx + 1
  else
    sother = sother + 1
  end
  if id then give_back(id) else unmatched = unmatched + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d, r, u = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2xx"); b = b + t:get("s3xx"); c = c + t:get("s409"); d = d + t:get("sother")
    r = r + t:get("reused"); u = u + t:get("unmatched")
  end
  local e = summary.errors
  -- the same RESULT line as ../shared/peers/wagtail/save.lua, plus s409, reused, unmatched
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d s2xx=%d s3xx=%d sother=%d " ..
    "s409=%d reused=%d unmatched=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, a, b, d, c, r, u))
end
