-- Publishes one message to one or more channels, atomically: gives it the next id in the single
-- order shared by all channels, appends it to each channel's stream (recording the newest id that
-- trimming drops, so a resume can tell it missed something), and publishes it on each channel
-- wrapped in the API envelope. Returns the id.
--
-- Every copy names all the message's channels, and nothing else is published between them (a
-- script runs alone), so a node hears one publish as consecutive copies of one id and delivers
-- the first. Key and field names and the envelope format come from the Java side (RedisStreams,
-- RedisEnvelope); this script only puts the parts together.
--
-- KEYS[1]         the last issued id
-- KEYS[2..n+1]    the stream of each channel, in the order of the channel names in ARGV[16..]
-- KEYS[n+2..2n+1] the trim floor of each channel: the newest id its stream dropped
-- KEYS[2n+2]      the idempotency key's record (used only when ARGV[14] > 0)
-- KEYS[2n+3]      the channel index (names, all scored 0) and
-- KEYS[2n+4]      the time of each indexed channel's last publish (see the block before the end)
-- ARGV[1]         stream length to keep (0: keep no stream)
-- ARGV[2]         age limit of stream entries in milliseconds (0: none)
-- ARGV[3]         stream entry field for the data
-- ARGV[4]         stream entry field for the event type
-- ARGV[5]         stream entry field for the channel list (written only for several channels)
-- ARGV[6]         envelope prefix
-- ARGV[7]         envelope field separator
-- ARGV[8]         event type ('' for none)
-- ARGV[9]         data
-- ARGV[10]        the channel list, as the envelope and the channel list field carry it
-- ARGV[11]        bytes one stream may hold, as entrySize counts them (0: no bound)
-- ARGV[12]        how long a channel's keys live after its last publish, in ms: the age limit, or without
--                 one the idle expiry (0: for ever)
-- ARGV[13]        stream entry field for the byte offset (see below)
-- ARGV[14]        how long an idempotency key is remembered, in ms (0: no key given)
-- ARGV[15]        '1' on Redis Cluster: one channel per call, every key in that channel's slot
--                 (hash tag), ids of that channel alone (KEYS[1] is the channel's last id, which
--                 expires with its stream), SPUBLISH, and no channel index (KEYS[2n+3], KEYS[2n+4]
--                 are not touched)
-- ARGV[16..]      channel names
local n = (#KEYS - 4) / 2
local maxlen = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local dataField, typeField, channelsField = ARGV[3], ARGV[4], ARGV[5]
local prefix, sep = ARGV[6], ARGV[7]
local eventType, data, channelList = ARGV[8], ARGV[9], ARGV[10]
local maxBytes, life, offsetField = tonumber(ARGV[11]), tonumber(ARGV[12]), ARGV[13]
local idemKey, idemWindow = KEYS[2 * n + 2], tonumber(ARGV[14])
local cluster = ARGV[15] == '1'
local publishCommand = cluster and 'SPUBLISH' or 'PUBLISH'

-- Idempotency: a key seen within the window is answered with the id its message was given, and
-- nothing is stored or published again. Checked and recorded inside this script, so it holds
-- across nodes and against a retry racing the original.
if idemWindow > 0 then
  local earlier = redis.call('GET', idemKey)
  if earlier then return earlier end
end

local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = 0

-- never issue an id at or below one already used, whatever the clock says
local function after(id)
  if not id then return end
  local lms, lseq = string.match(id, '^(%d+)-(%d+)$')
  if not lms then return end
  lms = tonumber(lms)
  lseq = tonumber(lseq)
  if lms > ms or (lms == ms and lseq >= seq) then
    ms = lms
    seq = lseq + 1
  end
end

after(redis.call('GET', KEYS[1]))
local tops = {}
if maxlen > 0 then
  for i = 2, n + 1 do
    local top = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
    if top[1] then
      after(top[1][1])
      tops[i] = top[1]
    end
  end
end
local id = string.format('%d-%d', ms, seq)
redis.call('SET', KEYS[1], id)
if cluster and life > 0 then redis.call('PEXPIRE', KEYS[1], life) end

local fields = {dataField, data, typeField, eventType}
if n > 1 then
  fields[#fields + 1] = channelsField
  fields[#fields + 1] = channelList
end

-- Byte bound. Each entry carries its stream's byte offset: the bytes (as entrySize counts them) of
-- every entry appended to the stream up to and including it. An entry starts at its offset minus
-- its size, so the stream holds (newest offset - start of its oldest entry) bytes: one XRANGE of the
-- oldest entries tells how many to drop, without keeping a count that trimming would have to update.
-- Entries written before offsets existed have none; trimming by bytes stops at them.
-- What Redis spends on an entry besides its values: its id, listpack headers and share of the radix
-- tree. Measured with MEMORY USAGE ... SAMPLES 0 on Redis 7.0 streams of 200-1000 entries: 26 bytes an
-- entry with empty values, 41 with 100-byte values. Larger entries cost up to about 30% more than
-- their values (allocator size classes: 1,331 bytes an entry of 1 KiB, 82,429 of 64 KiB), so a
-- stream takes at most about 1.3 times the bytes counted here.
local ENTRY_OVERHEAD = 48
local function entrySize(entry)
  local size = ENTRY_OVERHEAD
  for j = 1, #entry, 2 do
    if entry[j] ~= offsetField then size = size + #entry[j + 1] end
  end
  return size
end
local function offsetOf(entry)
  for j = 1, #entry, 2 do
    if entry[j] == offsetField then return tonumber(entry[j + 1]) end
  end
  return nil
end
local size = entrySize(fields)
fields[#fields + 1] = offsetField
fields[#fields + 1] = '0' -- this stream's offset, set below
-- Drops the oldest entries while the stream holds more than maxBytes (never the newest); returns
-- the id of the newest one dropped, or nil
local function trimToBytes(stream, newestOffset)
  local last = nil
  local from = '-'
  local count = 1 -- usually one entry goes per publish: read few, as entries may be large
  while true do
    local batch = redis.call('XRANGE', stream, from, '+', 'COUNT', count)
    count = math.min(count * 2, 64)
    for _, e in ipairs(batch) do
      local offset = offsetOf(e[2])
      if e[1] == id or not offset or newestOffset - (offset - entrySize(e[2])) <= maxBytes then
        if last then redis.call('XTRIM', stream, 'MINID', e[1]) end
        return last
      end
      last = e[1]
    end
    if not batch[1] then return nil end
    from = '(' .. last
  end
end
local envelope = prefix .. id .. sep .. channelList .. sep .. eventType .. sep .. data

for i = 2, n + 1 do
  local stream = KEYS[i]
  local floor = KEYS[i + n]
  if maxlen > 0 then
    local dropped = nil
    local len = redis.call('XLEN', stream)
    if len >= maxlen then
      local gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', len - maxlen + 1)
      if gone[#gone] then dropped = gone[#gone][1] end
    end
    local offset = size
    if tops[i] then offset = offset + (offsetOf(tops[i][2]) or 0) end
    fields[#fields] = string.format('%d', offset)
    redis.call('XADD', stream, 'MAXLEN', maxlen, id, unpack(fields))
    if ttl > 0 then
      local minid = string.format('%d-0', ms - ttl)
      local old = redis.call('XREVRANGE', stream, '(' .. minid, '-', 'COUNT', 1)
      if old[1] then
        dropped = old[1][1]
        redis.call('XTRIM', stream, 'MINID', minid)
      end
    end
    if maxBytes > 0 and offset > maxBytes then
      local trimmed = trimToBytes(stream, offset)
      if trimmed then dropped = trimmed end
    end
    if dropped then redis.call('SET', floor, dropped) end
    -- A channel's keys go after their life without a publish
    if life > 0 then
      redis.call('PEXPIRE', stream, life)
      if redis.call('EXISTS', floor) == 1 then redis.call('PEXPIRE', floor, life) end
    end
  end
  redis.call(publishCommand, ARGV[14 + i], envelope)
end

-- Channel index: a pattern replay finds its channels as a lexicographic range (the pattern's literal
-- prefix) of this sorted set instead of scanning the keyspace. Names whose last publish is older than
-- their keys' life (the age limit, or the idle expiry: so their streams have expired) leave it, a few
-- more per publish than it adds.
if maxlen > 0 and not cluster then
  local index, seen = KEYS[2 * n + 3], KEYS[2 * n + 4]
  for i = 1, n do
    redis.call('ZADD', index, 0, ARGV[15 + i])
    redis.call('ZADD', seen, string.format('%d', ms), ARGV[15 + i])
  end
  if life > 0 then
    local expired = redis.call('ZRANGEBYSCORE', seen, '-inf', string.format('(%d', ms - life), 'LIMIT', 0, n + 16)
    for _, name in ipairs(expired) do
      redis.call('ZREM', index, name)
      redis.call('ZREM', seen, name)
    end
  end
end
if idemWindow > 0 then redis.call('SET', idemKey, id, 'PX', idemWindow) end
return id
