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
-- KEYS[2..n+1]    the stream of each channel, in the order of the channel names in ARGV[11..]
-- KEYS[n+2..2n+1] the trim floor of each channel: the newest id its stream dropped
-- KEYS[2n+2]      the channel index (names, all scored 0) and
-- KEYS[2n+3]      the time of each indexed channel's last publish (see the block before the end)
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
-- ARGV[11..]      channel names
local n = (#KEYS - 3) / 2
local maxlen = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local dataField, typeField, channelsField = ARGV[3], ARGV[4], ARGV[5]
local prefix, sep = ARGV[6], ARGV[7]
local eventType, data, channelList = ARGV[8], ARGV[9], ARGV[10]

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
if maxlen > 0 then
  for i = 2, n + 1 do
    local top = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
    if top[1] then after(top[1][1]) end
  end
end
local id = string.format('%d-%d', ms, seq)
redis.call('SET', KEYS[1], id)

local fields = {dataField, data, typeField, eventType}
if n > 1 then
  fields[#fields + 1] = channelsField
  fields[#fields + 1] = channelList
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
    redis.call('XADD', stream, 'MAXLEN', maxlen, id, unpack(fields))
    if ttl > 0 then
      local minid = string.format('%d-0', ms - ttl)
      local old = redis.call('XREVRANGE', stream, '(' .. minid, '-', 'COUNT', 1)
      if old[1] then
        dropped = old[1][1]
        redis.call('XTRIM', stream, 'MINID', minid)
      end
    end
    if dropped then redis.call('SET', floor, dropped) end
    if ttl > 0 then
      redis.call('PEXPIRE', stream, ttl)
      if redis.call('EXISTS', floor) == 1 then redis.call('PEXPIRE', floor, ttl) end
    end
  end
  redis.call('PUBLISH', ARGV[9 + i], envelope)
end

-- Channel index: a pattern replay finds its channels as a lexicographic range (the pattern's literal
-- prefix) of this sorted set instead of scanning the keyspace. Names whose last publish is older than
-- the age limit (so their streams have expired) leave it, a few more per publish than it adds.
if maxlen > 0 then
  local index, seen = KEYS[2 * n + 2], KEYS[2 * n + 3]
  for i = 1, n do
    redis.call('ZADD', index, 0, ARGV[10 + i])
    redis.call('ZADD', seen, string.format('%d', ms), ARGV[10 + i])
  end
  if ttl > 0 then
    local expired = redis.call('ZRANGEBYSCORE', seen, '-inf', string.format('(%d', ms - ttl), 'LIMIT', 0, n + 16)
    for _, name in ipairs(expired) do
      redis.call('ZREM', index, name)
      redis.call('ZREM', seen, name)
    end
  end
end
return id
