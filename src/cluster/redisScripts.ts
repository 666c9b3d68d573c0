/**
 * The Redis scripts behind every change of a room's shared state. Each
 * script changes the room's hash, bumps the room's change counter and
 * publishes the event that reports the change, in one atomic step: no other
 * server's change lands half-way, and events reach every server in the
 * order of the changes (pub/sub keeps order), each carrying its version.
 *
 * Keys: KEYS[1] the room's hash, KEYS[2] its change counter (kept apart
 * from the hash, which is deleted when the room empties, so versions never
 * go back). Every script takes ARGV[1] the counter's lifetime in ms,
 * ARGV[2] the room's event channel and ARGV[3] the event envelope as JSON
 * (`{"from":…,"event":…}`, to which the version is added).
 */
import { defineScript, type CommandParser } from '@redis/client';

const ANNOUNCE = `
local function announce()
  local version = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  redis.call('PUBLISH', ARGV[2], '{"version":' .. version .. ',' .. string.sub(ARGV[3], 2))
  return version
end
`;

/** What every script is told besides its own arguments. */
export interface ScriptTarget {
  roomKey: string;
  versionKey: string;
  lifetimeMs: number;
  channel: string;
  /** `{"from":…,"event":…}` */
  envelope: string;
  /** Prefix of the keys that map dial-in PINs to rooms, for the script that deletes a room. */
  pinKeyPrefix: string;
}

function pushTarget(parser: CommandParser, target: ScriptTarget): void {
  parser.pushKey(target.roomKey);
  parser.pushKey(target.versionKey);
  parser.push(String(target.lifetimeMs), target.channel, target.envelope);
}

const asNumber = undefined as unknown as () => number;
const asString = undefined as unknown as () => string;

/**
 * Sets one field of the room (ARGV[4] to ARGV[5]), and refreshes the room's
 * lifetime (ARGV[6]); when ARGV[7] names a field, only while that field
 * exists (a feed or a placement is kept only while its member is there).
 * When ARGV[8] is '1', the room's `access` record becomes ARGV[9] unless it
 * has one (a member admitted with a password keeps it for the room, even
 * if the room emptied meanwhile). A placement written this way bumps the
 * placement counter `pv` (see PLACE). Returns the new version, or 0 when
 * the guard field was missing.
 */
export const SET_FIELD = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${ANNOUNCE}
if ARGV[7] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[7]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
if ARGV[8] == '1' then redis.call('HSETNX', KEYS[1], 'access', ARGV[9]) end
if string.sub(ARGV[4], 1, 2) == 'n:' then redis.call('HINCRBY', KEYS[1], 'pv', 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return announce()`,
  parseCommand(parser: CommandParser, target: ScriptTarget, field: string, value: string, roomLifetimeMs: number, onlyWhile: string, access?: string) {
    pushTarget(parser, target);
    parser.push(field, value, String(roomLifetimeMs), onlyWhile, access === undefined ? '0' : '1', access ?? '');
  },
  transformReply: asNumber,
});

/** Deletes one field (ARGV[4]) if it is there; returns the new version, or 0 when there was nothing to delete. */
export const DELETE_FIELD = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${ANNOUNCE}
if redis.call('HDEL', KEYS[1], ARGV[4]) == 0 then return 0 end
return announce()`,
  parseCommand(parser: CommandParser, target: ScriptTarget, field: string) {
    pushTarget(parser, target);
    parser.push(field);
  },
  transformReply: asNumber,
});

/**
 * Removes member ARGV[4] with its placement and feeds, unless its record
 * names a server other than ARGV[5] (the page moved there meanwhile): then
 * returns 0. The last member's removal deletes the whole room, its access
 * record with it, and its dial-in PIN's key (ARGV[6] is the keys' prefix).
 * A removed placement bumps the placement counter `pv`.
 */
export const REMOVE_MEMBER = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${ANNOUNCE}
local id = ARGV[4]
local raw = redis.call('HGET', KEYS[1], 'm:' .. id)
if raw then
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and record.server ~= ARGV[5] then return 0 end
end
local feedPrefix = 'f:' .. id .. ':'
local doomed = {}
local othersLeft = false
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field == 'm:' .. id or field == 'n:' .. id or string.sub(field, 1, #feedPrefix) == feedPrefix then
    table.insert(doomed, field)
  elseif string.sub(field, 1, 2) == 'm:' then
    othersLeft = true
  end
end
if not othersLeft then
  local pin = redis.call('HGET', KEYS[1], 'pin')
  if pin then redis.call('DEL', ARGV[6] .. pin) end
  redis.call('DEL', KEYS[1])
elseif #doomed > 0 then
  if redis.call('HEXISTS', KEYS[1], 'n:' .. id) == 1 then redis.call('HINCRBY', KEYS[1], 'pv', 1) end
  redis.call('HDEL', KEYS[1], unpack(doomed))
end
announce()
return 1`,
  parseCommand(parser: CommandParser, target: ScriptTarget, participantId: string, heldBy: string) {
    pushTarget(parser, target);
    parser.push(participantId, heldBy, target.pinKeyPrefix);
  },
  transformReply: asNumber,
});

/**
 * Places member ARGV[4] on node ARGV[5], if the room's placements are
 * still those the choice was made from (placement counter `pv` equals
 * ARGV[6]) and the member is still there. Returns 'placed', 'stale' (try
 * again with a fresh read) or 'gone'.
 */
export const PLACE = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${ANNOUNCE}
if redis.call('HEXISTS', KEYS[1], 'm:' .. ARGV[4]) == 0 then return 'gone' end
if (redis.call('HGET', KEYS[1], 'pv') or '0') ~= ARGV[6] then return 'stale' end
redis.call('HSET', KEYS[1], 'n:' .. ARGV[4], ARGV[5])
redis.call('HINCRBY', KEYS[1], 'pv', 1)
announce()
return 'placed'`,
  parseCommand(parser: CommandParser, target: ScriptTarget, participantId: string, node: string, placementVersion: string) {
    pushTarget(parser, target);
    parser.push(participantId, node, placementVersion);
  },
  transformReply: asString,
});

/** Only tells the other servers (an event that changes no shared state); returns the new version. */
export const NOTIFY = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${ANNOUNCE}
return announce()`,
  parseCommand(parser: CommandParser, target: ScriptTarget) {
    pushTarget(parser, target);
  },
  transformReply: asNumber,
});

export const directoryScripts = { notify: NOTIFY,  setField: SET_FIELD, deleteField: DELETE_FIELD, removeMember: REMOVE_MEMBER, place: PLACE };
