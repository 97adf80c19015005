/*
 * store_redis.c - the store on a Redis server, for executors on many hosts
 * (README, "Many hosts"). Opened by a URL
 *
 *   redis://[:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME]
 *
 * (port 6379, database 0, prefix "ctask"; the password may also come from
 * CTASK_REDIS_PASSWORD, and is never part of a message: s->base.path is
 * the URL without it). Reached with hiredis, one connection per handle.
 *
 * Keys, all under the prefix P (so several projects share one database):
 *
 *   P:meta         hash: format "ctask-store", schema_version REDIS_SCHEMA
 *   P:idx          hash: task hash (16 raw bytes) -> the entry scan reads
 *                  (layout below): state, size, checksum, when recorded,
 *                  fingerprint, and the bytes of a result of at most
 *                  CTASK_SCAN_SMALL bytes
 *   P:r:HEX        hash: one result's fields; data holds the encoded value
 *                  as raw bytes (never base64)
 *   P:a:HEX        hash: one task's failed attempts, by attempt number
 *   P:lease        hash: task hash -> "OWNER\0LEASED": the tasks in flight
 *   P:xl:OWNER     set: the task hashes OWNER holds leases on
 *   P:x:OWNER      hash: an executor record; P:xs, the set of owners
 *   P:note:KEY     string: a note
 *   P:ver, P:del   counters: result writes (for ctask_store_changed), and
 *                  deletions
 *
 * Atomicity. Every write that must be atomic is one Lua script (EVALSHA,
 * loaded at open and again after a server restart): a batch of leases, a
 * put with the release of the putter's leases, a delete, an executor's
 * begin, end and heartbeat. Redis runs a script alone, so two executors can
 * never both take a task: the second sees the first's lease.
 *
 * Time. Lease expiry is decided on the server's clock (TIME inside the
 * scripts), never the hosts': a lease lives while its owner's record is not
 * finished and its expires (server time + ttl, set by every heartbeat and
 * lease) has not passed. The hosts' clocks need not agree. Times reported
 * to callers (expiries, heartbeats) are moved to the caller's clock by the
 * offset between the two, measured at open (TIME; never overestimated, so
 * a lease that looks expired here is expired on the server); a task's own
 * started time is the executor's, kept as given.
 *
 * Speed. Round trips are what costs: scan is a few HSCANs of P:idx (10^4
 * entries a reply) and one HGETALL of the leases; done is HMGET on P:idx;
 * get_sorted pipelines its reads; lease and put are one script per batch.
 *
 * Not for Redis Cluster: the scripts name keys they build from the prefix.
 */
#include "store_impl.h"

#include "arena.h"
#include "error.h"
#include "sys.h"

#include <errno.h>
#include <hiredis.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDIS_SCHEMA "1"
#define REDIS_MAX_VALUE 536870912ull /* Redis's proto-max-bulk-len */
#define PUT_CHUNK_BYTES (64u << 20)  /* args of one put script, at most */
#define SCAN_COUNT "10000"	     /* entries an HSCAN returns, about */
#define PIPE_MAX 1024		     /* commands in flight, at most */

/* An entry of P:idx: state (1), size (8, little-endian), checksum (8),
 * recorded (8, a double: server time), flags (1: bit 0, fingerprint
 * known), fingerprint (16), then the bytes of a small done result. */
#define IDX_RECORDED 17
#define IDX_FLAGS 25
#define IDX_FP 26
#define IDX_SMALL 42
#define IDX_MAX (IDX_SMALL + CTASK_SCAN_SMALL)

/* ---- the scripts ---------------------------------------------------------
 * ARGV[1] is always the prefix. now: the server's clock; fmt keeps the
 * fraction (a Lua number returned to Redis loses it). */
#define LUA_HEAD                                                               \
	"local p = ARGV[1]\n"                                                  \
	"local t = redis.call('TIME')\n"                                       \
	"local function fmt(x) return string.format('%.6f', x) end\n"          \
	"local now = tonumber(fmt(tonumber(t[1]) + tonumber(t[2]) / 1e6))\n"

/* The expiry of owner o's leases (0: no record), cached in c. */
#define LUA_OWNER_EXP                                                          \
	"local function owner_exp(c, o)\n"                                     \
	"  if c[o] then return c[o] end\n"                                     \
	"  local f = redis.call('HMGET', p .. ':x:' .. o, 'expires',"          \
	" 'finished')\n"                                                       \
	"  local e = 0\n"                                                      \
	"  if f[1] then e = tonumber(f[1]) end\n"                              \
	"  if f[2] and f[2] ~= '' then e = math.min(e, tonumber(f[2])) end\n"  \
	"  c[o] = e\n"                                                         \
	"  return e\n"                                                         \
	"end\n"                                                                \
	"local function lease_owner(l)\n"                                      \
	"  return l:sub(1, l:find('\\0', 1, true) - 1)\n"                      \
	"end\n"

/* Releases owner me's leases on the hashes ARGV[from..] (none: all). */
#define LUA_RELEASE                                                            \
	"local function release(me, from)\n"                                   \
	"  local hs = {}\n"                                                    \
	"  if from > #ARGV then\n"                                             \
	"    hs = redis.call('SMEMBERS', p .. ':xl:' .. me)\n"                 \
	"  else\n"                                                             \
	"    for i = from, #ARGV do hs[#hs + 1] = ARGV[i] end\n"               \
	"  end\n"                                                              \
	"  for _, h in ipairs(hs) do\n"                                        \
	"    local l = redis.call('HGET', p .. ':lease', h)\n"                 \
	"    if l and lease_owner(l) == me then\n"                             \
	"      redis.call('HDEL', p .. ':lease', h)\n"                         \
	"    end\n"                                                            \
	"    redis.call('SREM', p .. ':xl:' .. me, h)\n"                       \
	"  end\n"                                                              \
	"end\n"

enum {
	SC_LEASE,
	SC_PUT,
	SC_DELETE,
	SC_BEGIN,
	SC_END,
	SC_BEAT,
	SC_RELEASE,
	SC_OPEN,
	SC_COUNT
};

static const char *const scripts[SC_COUNT] = {
	/* ARGV: p, owner, host, pid, started, client now, ttl, known,
	 * boot_id, pid_ns, proc_start, g, g owners proven gone (dead at once:
	 * see ctask_executor), hashes; started is on the caller's clock, off
	 * is the server's clock minus the caller's. Returns the outcomes (a
	 * letter each) and the expiries (space-separated, on the server's
	 * clock), and the owners of the leases HELD (newline-separated). */
	[SC_LEASE] = LUA_HEAD LUA_OWNER_EXP
	"local me = ARGV[2]\n"
	"local off = tonumber(ARGV[6])\n"
	"local started = tonumber(ARGV[5]) + off\n"
	"local till = tonumber(fmt(now + tonumber(ARGV[7])))\n"
	"local known = ARGV[8] == '1'\n"
	"local xk = p .. ':x:' .. me\n"
	"if redis.call('EXISTS', xk) == 0 then\n"
	"  redis.call('HSET', xk, 'owner', me, 'host', ARGV[3], 'pid',"
	" ARGV[4], 'started', ARGV[5], 'heartbeat', fmt(now), 'expires',"
	" fmt(till), 'finished', '', 'done', 0, 'failed', 0, 'boot_id',"
	" ARGV[9], 'pid_ns', ARGV[10], 'proc_start', ARGV[11], 'renewed',"
	" fmt(now), 'ttl', ARGV[7])\n"
	"  redis.call('SADD', p .. ':xs', me)\n"
	"else\n"
	"  redis.call('HSET', xk, 'expires', fmt(till), 'finished', '',"
	" 'renewed', fmt(now), 'ttl', ARGV[7])\n"
	"end\n"
	"local c, out, exps, holders, seen = {}, {}, {}, {}, {}\n"
	"local g = tonumber(ARGV[12])\n"
	"for i = 13, 12 + g do c[ARGV[i]] = 0 end\n"
	"local mine = me .. '\\0' .. fmt(now)\n"
	"for i = 13 + g, #ARGV do\n"
	"  local h, r, exp = ARGV[i], 'T', fmt(now) .. ' ' .. ARGV[7]\n"
	"  if not known then\n"
	"    local e = redis.call('HGET', p .. ':idx', h)\n"
	"    if e and e:byte(1) == 1 then r = 'D'\n"
	"    elseif e and e:byte(1) == 2 and"
	" struct.unpack('<d', e, 18) >= started then r = 'F' end\n"
	"  end\n"
	"  if r == 'T' then\n"
	"    local l = redis.call('HGET', p .. ':lease', h)\n"
	"    local o = l and lease_owner(l)\n"
	"    if o and o ~= me and owner_exp(c, o) > now then\n"
	"      local f = redis.call('HMGET', p .. ':x:' .. o, 'renewed', 'ttl',"
	" 'expires')\n"
	"      r, exp = 'H', (f[1] or f[3]) .. ' ' .. (f[2] or '0')\n"
	"      if not seen[o] then seen[o] = 1 holders[#holders + 1] = o end\n"
	"    elseif o ~= me then\n"
	"      if o then redis.call('SREM', p .. ':xl:' .. o, h) end\n"
	"      redis.call('HSET', p .. ':lease', h, mine)\n"
	"      redis.call('SADD', p .. ':xl:' .. me, h)\n"
	"    end\n"
	"  else exp = '0 0' end\n"
	"  out[#out + 1] = r\n"
	"  exps[#exps + 1] = exp\n"
	"end\n"
	"return {table.concat(out), table.concat(exps, ' '),"
	" table.concat(holders, '\\n')}\n",

	/* ARGV: p, owner ('' for none), the deletion count the caller saw,
	 * whether inputs are given ('1') or some record has some ('?') or
	 * none has ('0'), then per record: hash, hex, idx entry, k and k
	 * input hashes (inputs given: else k = 0), n and n field/value
	 * pairs. If results were deleted since the caller saw the count
	 * (P:del moved), a done record with an input that has no done
	 * result, here or among the records written, is refused (not
	 * written); if inputs are needed but not given, nothing is written
	 * and the reply is {'inputs'}. A failure never replaces a done
	 * result. Returns {P:ver, refused: a '0' or '1' per record}. */
	[SC_PUT] = LUA_HEAD LUA_OWNER_EXP
	"local me = ARGV[2]\n"
	"local check = tonumber(redis.call('GET', p .. ':del') or '0')"
	" ~= tonumber(ARGV[3])\n"
	"if check and ARGV[4] == '?' then return {'inputs'} end\n"
	"local recs, i = {}, 5\n"
	"while i <= #ARGV do\n"
	"  local k = tonumber(ARGV[i + 3])\n"
	"  local n = tonumber(ARGV[i + 4 + k])\n"
	"  recs[#recs + 1] = {h = ARGV[i], hex = ARGV[i + 1], e = ARGV[i + 2],"
	" ins = i + 4, k = k, f = i + 5 + k, n = n}\n"
	"  i = i + 5 + k + 2 * n\n"
	"end\n"
	"local refused, here = {}, {}\n"
	"for j, r in ipairs(recs) do\n"
	"  if r.e:byte(1) == 1 then here[r.h] = j end\n"
	"end\n"
	"local changed = check\n"
	"while changed do\n"
	"  changed = false\n"
	"  for j, r in ipairs(recs) do\n"
	"    if not refused[j] and r.e:byte(1) == 1 then\n"
	"      for q = r.ins, r.ins + r.k - 1 do\n"
	"        local h = ARGV[q]\n"
	"        local ok = here[h] and not refused[here[h]]\n"
	"        if not ok then\n"
	"          local e = redis.call('HGET', p .. ':idx', h)\n"
	"          ok = e and e:byte(1) == 1\n"
	"        end\n"
	"        if not ok then refused[j] = true changed = true break end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local rec = struct.pack('<d', now)\n"
	"local wrote, done, failed, out = false, 0, 0, {}\n"
	"for j, r in ipairs(recs) do\n"
	"  if refused[j] then out[j] = '1' else\n"
	"    out[j] = '0'\n"
	"    local old = r.e:byte(1) == 2 and redis.call('HGET', p .. ':idx',"
	" r.h)\n"
	"    if not (old and old:byte(1) == 1) then\n"
	"      local k = p .. ':r:' .. r.hex\n"
	"      redis.call('DEL', k)\n"
	"      redis.call('HSET', k, 'recorded', fmt(now),"
	" unpack(ARGV, r.f, r.f + 2 * r.n - 1))\n"
	"      redis.call('HSET', p .. ':idx', r.h, r.e:sub(1, 17) .. rec .."
	" r.e:sub(26))\n"
	"      wrote = true\n"
	"    end\n"
	"    if r.e:byte(1) == 1 then done = done + 1 else failed = failed + 1"
	" end\n"
	"    if me ~= '' then\n"
	"      local l = redis.call('HGET', p .. ':lease', r.h)\n"
	"      if l and lease_owner(l) == me then\n"
	"        redis.call('HDEL', p .. ':lease', r.h)\n"
	"        redis.call('SREM', p .. ':xl:' .. me, r.h)\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local xk = p .. ':x:' .. me\n"
	"if me ~= '' and redis.call('EXISTS', xk) == 1 then\n"
	"  redis.call('HINCRBY', xk, 'done', done)\n"
	"  redis.call('HINCRBY', xk, 'failed', failed)\n"
	"end\n"
	"local v = tonumber(redis.call('GET', p .. ':ver') or '0')\n"
	"if wrote then v = redis.call('INCR', p .. ':ver') end\n"
	"return {v, table.concat(out)}\n",

	/* ARGV: p, then pairs hash, hex. Returns {deleted, bytes, P:ver}. */
	[SC_DELETE] = LUA_HEAD
	"local n, bytes = 0, 0\n"
	"for i = 2, #ARGV, 2 do\n"
	"  local e = redis.call('HGET', p .. ':idx', ARGV[i])\n"
	"  if e then\n"
	"    n = n + 1\n"
	"    bytes = bytes + struct.unpack('<I8', e, 2)\n"
	"    redis.call('HDEL', p .. ':idx', ARGV[i])\n"
	"    redis.call('DEL', p .. ':r:' .. ARGV[i + 1])\n"
	"  end\n"
	"  redis.call('DEL', p .. ':a:' .. ARGV[i + 1])\n"
	"end\n"
	"local v = tonumber(redis.call('GET', p .. ':ver') or '0')\n"
	"if n > 0 then\n"
	"  v = redis.call('INCR', p .. ':ver')\n"
	"  redis.call('INCRBY', p .. ':del', n)\n"
	"end\n"
	"return {n, tostring(bytes), v}\n",

	/* ARGV: p, owner, host, pid, started, ttl, boot_id, pid_ns,
	 * proc_start. */
	[SC_BEGIN] = LUA_HEAD
	"local xk = p .. ':x:' .. ARGV[2]\n"
	"redis.call('HSET', xk, 'owner', ARGV[2], 'host', ARGV[3], 'pid',"
	" ARGV[4], 'started', ARGV[5], 'heartbeat', fmt(now), 'expires',"
	" fmt(now + tonumber(ARGV[6])), 'finished', '', 'done', 0,"
	" 'failed', 0, 'boot_id', ARGV[7], 'pid_ns', ARGV[8], 'proc_start',"
	" ARGV[9], 'renewed', fmt(now), 'ttl', ARGV[6])\n"
	"redis.call('SADD', p .. ':xs', ARGV[2])\n"
	"return 0\n",

	/* ARGV: p, owner, done, failed. */
	[SC_END] = LUA_HEAD LUA_OWNER_EXP LUA_RELEASE
	"local xk = p .. ':x:' .. ARGV[2]\n"
	"if redis.call('EXISTS', xk) == 1 then\n"
	"  redis.call('HSET', xk, 'heartbeat', fmt(now), 'finished',"
	" fmt(now), 'done', ARGV[3], 'failed', ARGV[4])\n"
	"end\n"
	"release(ARGV[2], #ARGV + 1)\n"
	"return 0\n",

	/* ARGV: p, owner, ttl. */
	[SC_BEAT] = LUA_HEAD
	"local xk = p .. ':x:' .. ARGV[2]\n"
	"if redis.call('EXISTS', xk) == 1 then\n"
	"  redis.call('HSET', xk, 'heartbeat', fmt(now), 'expires',"
	" fmt(now + tonumber(ARGV[3])), 'renewed', fmt(now), 'ttl',"
	" ARGV[3])\n"
	"end\n"
	"return 0\n",

	/* ARGV: p, owner, hashes (none: all). */
	[SC_RELEASE] =
		LUA_HEAD LUA_OWNER_EXP LUA_RELEASE "release(ARGV[2], 3)\n"
						   "return 0\n",

	/* ARGV: p, create ('1' or '0'), schema. Returns {format, schema} of
	 * P:meta, created if asked and nothing is under the prefix; 'other'
	 * if there is something else under it. */
	[SC_OPEN] = LUA_HEAD
	"local m = p .. ':meta'\n"
	"if redis.call('EXISTS', m) == 0 then\n"
	"  if redis.call('EXISTS', p .. ':idx', p .. ':lease', p .. ':xs',"
	" p .. ':ver') > 0 then return {'other', ''} end\n"
	"  if ARGV[2] ~= '1' then return {'', ''} end\n"
	"  redis.call('HSET', m, 'format', 'ctask-store', 'schema_version',"
	" ARGV[3])\n"
	"end\n"
	"if redis.call('TYPE', m).ok ~= 'hash' then return {'other', ''} end\n"
	"local f = redis.call('HMGET', m, 'format', 'schema_version')\n"
	"return {f[1] or '', f[2] or ''}\n",
};

typedef struct {
	ctask_store base;
	redisContext *c; /* owned; redisFree in rd_close */
	char *prefix;	 /* owned */
	char sha[SC_COUNT][41];
	ctask_buf strs;	  /* owned: the strings of the last get */
	ctask_buf output; /* owned: the output of the last get */
	ctask_hash fp;	  /* the fingerprint of the last get */
	double off;	  /* the server's clock minus ours, measured at open */
	/* P:del at the last scan (or the opening): while it is the same, no
	 * result was deleted since (see SC_PUT). */
	long long del_seen;
	/* P:ver when the last scan began, kept while our own writes are the
	 * only ones since (each returns the new value). */
	long long ver;
	bool scanned;
} rd_store;

/* ---- errors and commands ------------------------------------------------ */

/* Sets the error for a failed command (c->err or an error reply r) and
 * returns CTASK_ESTORE; the message names the store (no password). */
static int rd_fail(rd_store *s, const redisReply *r, const char *what)
{
	const char *why = s->c && s->c->err		      ? s->c->errstr
			  : r && r->type == REDIS_REPLY_ERROR ? r->str
							      : "no reply";
	return ctask_error_set(CTASK_ESTORE, "store %s: %s: %s", s->base.path,
			       what, why);
}

/* The arguments of one command: pointers borrowed, or owned (malloc'd
 * copies in own, freed by args_free). */
typedef struct {
	const char **v;
	size_t *len;
	size_t n, cap;
	char **own;
	size_t nown, capown;
	size_t bytes;
} args;

static void args_add(args *a, const void *p, size_t n)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = ctask_xrealloc(a->v, a->cap * sizeof *a->v);
		a->len = ctask_xrealloc(a->len, a->cap * sizeof *a->len);
	}
	a->v[a->n] = p;
	a->len[a->n++] = n;
	a->bytes += n;
}

static void args_str(args *a, const char *s)
{
	args_add(a, s, strlen(s));
}

static void args_fmt(args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void args_fmt(args *a, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap); /* any length: owner names too */
	va_end(ap);
	char *p = ctask_xmalloc((size_t)(n < 0 ? 0 : n) + 1); /* a->own's */
	if (n < 0)
		p[0] = '\0';
	else
		vsnprintf(p, (size_t)n + 1, fmt, again);
	va_end(again);
	if (a->nown == a->capown) {
		a->capown = a->capown ? a->capown * 2 : 16;
		a->own = ctask_xrealloc(a->own, a->capown * sizeof *a->own);
	}
	a->own[a->nown++] = p;
	args_str(a, p);
}

static void args_reset(args *a)
{
	for (size_t i = 0; i < a->nown; i++)
		free(a->own[i]);
	a->n = a->nown = a->bytes = 0;
}

static void args_free(args *a)
{
	args_reset(a);
	free(a->v);
	free(a->len);
	free(a->own);
}

/* Runs a command; *out gets the reply (the caller frees it). An error
 * reply is an error (message: what). */
static int rd_cmd(rd_store *s, args *a, const char *what, redisReply **out)
{
	redisReply *r = redisCommandArgv(s->c, (int)a->n, a->v, a->len);
	*out = NULL;
	if (!r || r->type == REDIS_REPLY_ERROR) {
		int rc = rd_fail(s, r, what);
		freeReplyObject(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* A command with printf-style arguments (hiredis's format: %s, %b). */
static redisReply *rd_vcmd(rd_store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(s->c, fmt, ap);
	va_end(ap);
	return r;
}

static int load_scripts(rd_store *s)
{
	for (int i = 0; i < SC_COUNT; i++) {
		redisReply *r = rd_vcmd(s, "SCRIPT LOAD %s", scripts[i]);
		if (!r || r->type != REDIS_REPLY_STRING || r->len != 40) {
			int rc = rd_fail(s, r, "cannot load a script");
			freeReplyObject(r);
			return rc;
		}
		memcpy(s->sha[i], r->str, 41);
		freeReplyObject(r);
	}
	return 0;
}

/* Runs script which with a's arguments (after EVALSHA SHA 0, which the
 * caller left room for as a->v[0..2]); loads the scripts again if the
 * server forgot them (a restart, SCRIPT FLUSH). */
static int rd_script(rd_store *s, int which, args *a, const char *what,
		     redisReply **out)
{
	a->v[0] = "EVALSHA";
	a->len[0] = 7;
	a->v[1] = s->sha[which];
	a->len[1] = 40;
	a->v[2] = "0";
	a->len[2] = 1;
	redisReply *r = redisCommandArgv(s->c, (int)a->n, a->v, a->len);
	if (r && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(r);
		int rc = load_scripts(s);
		if (rc)
			return rc;
		a->v[1] = s->sha[which];
		r = redisCommandArgv(s->c, (int)a->n, a->v, a->len);
	}
	*out = NULL;
	if (!r || r->type == REDIS_REPLY_ERROR) {
		int rc = rd_fail(s, r, what);
		freeReplyObject(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Starts a's arguments for a script: the three EVALSHA slots, then the
 * prefix (ARGV[1]). */
static void script_args(rd_store *s, args *a)
{
	args_reset(a);
	args_add(a, "", 0);
	args_add(a, "", 0);
	args_add(a, "", 0);
	args_str(a, s->prefix);
}

/* A malloc'd copy of the n bytes at p, NUL-terminated. */
static char *xstrndup(const char *p, size_t n)
{
	char *d = ctask_xmalloc(n + 1);
	memcpy(d, p, n);
	d[n] = 0;
	return d;
}

/* ---- little-endian fields of an index entry ----------------------------- */

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int read_version(rd_store *s, long long *v, long long *del);

/* ---- open and close ----------------------------------------------------- */

/* Splits url into host, port, db, prefix and password (all malloc'd into
 * the out pointers except port and db), and sets s->base.path to the URL
 * without the password. */
static int parse_url(rd_store *s, const char *url, char **host, int *port,
		     int *db, char **pass)
{
	const char *p = url + strlen("redis://");
	const char *at = strchr(p, '@'), *end;
	*port = 6379;
	*db = 0;
	*pass = NULL;
	*host = NULL;
	ctask_buf shown = {0};
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *pw = colon ? colon + 1 : p;
		*pass = xstrndup(pw, (size_t)(at - pw));
		p = at + 1;
	}
	ctask_buf_printf(&shown, "redis://%s", p); /* NUL-terminated */
	s->base.path = (char *)shown.p;		   /* the handle owns it now */
	end = p + strcspn(p, ":/?");
	if (end == p)
		return ctask_error_set(CTASK_EUSAGE, "store %s: no host",
				       s->base.path);
	*host = xstrndup(p, (size_t)(end - p));
	char *e;
	if (*end == ':') {
		long v = strtol(end + 1, &e, 10);
		if (e == end + 1 || v <= 0 || v > 65535 ||
		    (*e && !strchr("/?", *e)))
			return ctask_error_set(CTASK_EUSAGE,
					       "store %s: bad port",
					       s->base.path);
		*port = (int)v;
		end = e;
	}
	if (*end == '/' && end[1] && end[1] != '?') {
		long v = strtol(end + 1, &e, 10);
		if (e == end + 1 || v < 0 || v > 1000000 || (*e && *e != '?'))
			return ctask_error_set(CTASK_EUSAGE,
					       "store %s: bad database number",
					       s->base.path);
		*db = (int)v;
		end = e;
	} else if (*end == '/') {
		end++;
	}
	const char *pre = "ctask";
	if (*end == '?') {
		if (strncmp(end, "?prefix=", 8) != 0 || !end[8] ||
		    strpbrk(end + 8, "&?/ "))
			return ctask_error_set(
				CTASK_EUSAGE,
				"store %s: the only option is ?prefix=NAME",
				s->base.path);
		pre = end + 8;
	} else if (*end) {
		return ctask_error_set(CTASK_EUSAGE, "store %s: bad URL",
				       s->base.path);
	}
	s->prefix = ctask_xstrdup(pre);
	return 0;
}

/* Connects, authenticates and selects the database. */
static int rd_connect(rd_store *s, const char *host, int port, int db,
		      const char *pass)
{
	struct timeval tv = {10, 0};
	s->c = redisConnectWithTimeout(host, port, tv);
	if (!s->c)
		return ctask_error_set(CTASK_ESTORE, "store %s: out of memory",
				       s->base.path);
	if (s->c->err)
		return ctask_error_set(CTASK_ESTORE,
				       "store %s: cannot connect: %s",
				       s->base.path, s->c->errstr);
	/* A command that takes longer than this is a server gone away. */
	struct timeval cmd = {120, 0};
	redisSetTimeout(s->c, cmd);
	redisReply *r;
	if (pass && *pass) {
		r = rd_vcmd(s, "AUTH %s", pass);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			int rc = rd_fail(s, r, "cannot log in");
			freeReplyObject(r);
			return rc;
		}
		freeReplyObject(r);
	}
	r = rd_vcmd(s, "SELECT %d", db);
	if (!r || r->type == REDIS_REPLY_ERROR) {
		int rc = rd_fail(s, r, "cannot select the database");
		freeReplyObject(r);
		return rc;
	}
	freeReplyObject(r);
	return 0;
}

/* An executor's expiry on our clock: when it was last renewed plus its
 * ttl (as set together by every lease, begin and heartbeat), so that it is
 * exactly its heartbeat + ttl here too; else (no renewed field) expires.
 * 0 if neither is known. */
static double expiry(const char *renewed, const char *ttl, const char *expires,
		     double off)
{
	if (renewed && ttl)
		return (strtod(renewed, NULL) - off) + strtod(ttl, NULL);
	return expires ? strtod(expires, NULL) - off : 0;
}

/* The server's clock minus ours, from TIME (one round trip). */
static int clock_offset(rd_store *s, double *off)
{
	redisReply *r = rd_vcmd(s, "TIME");
	double after = ctask_now();
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		int rc = rd_fail(s, r, "cannot read the server's clock");
		freeReplyObject(r);
		return rc;
	}
	double srv = strtod(r->element[0]->str, NULL) +
		     strtod(r->element[1]->str, NULL) / 1e6;
	/* srv was read at some instant of [before, after]: against after,
	 * the offset is never overestimated, so an expiry moved to our
	 * clock is never earlier than the server's (later by at most a
	 * round trip): a lease seen expired here is expired there. */
	*off = srv - after;
	freeReplyObject(r);
	return 0;
}

/* Checks (and, with CREATE, makes) P:meta. */
static int check_meta(rd_store *s, int flags)
{
	args a = {0};
	redisReply *r = NULL;
	script_args(s, &a);
	args_str(&a, flags & CTASK_STORE_CREATE ? "1" : "0");
	args_str(&a, REDIS_SCHEMA);
	int rc = rd_script(s, SC_OPEN, &a, "cannot open", &r);
	if (rc)
		goto done;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		rc = rd_fail(s, NULL, "bad reply to open");
		goto done;
	}
	const char *format = r->element[0]->str ? r->element[0]->str : "";
	const char *schema = r->element[1]->str ? r->element[1]->str : "";
	if (!*format && !*schema)
		rc = ctask_error_set(CTASK_ENOTFOUND,
				     "store %s does not exist (prefix %s)",
				     s->base.path, s->prefix);
	else if (strcmp(format, "ctask-store") != 0)
		rc = ctask_error_set(CTASK_ESTORE,
				     "store %s: prefix %s holds something"
				     " other than a ctask store",
				     s->base.path, s->prefix);
	else if (strcmp(schema, REDIS_SCHEMA) != 0)
		rc = ctask_error_set(CTASK_ESTORE,
				     "store %s has schema version %s; this"
				     " ctask reads version " REDIS_SCHEMA,
				     s->base.path, schema);
done:
	freeReplyObject(r);
	args_free(&a);
	return rc;
}

static void rd_close(ctask_store *base)
{
	rd_store *s = (rd_store *)base;
	if (s->c)
		redisFree(s->c);
	free(s->prefix);
	free(s->base.path);
	ctask_buf_free(&s->strs);
	ctask_buf_free(&s->output);
	free(s);
}

static int rd_open(const char *url, int flags, ctask_store **out)
{
	/* owned here until returned; rd_close frees it on failure */
	rd_store *s = ctask_xcalloc(1, sizeof *s);
	char *host = NULL, *pass = NULL; /* owned here */
	int port, db;
	s->base.ops = &ctask_store__redis_ops;
	int rc = parse_url(s, url, &host, &port, &db, &pass);
	if (!s->base.path)
		s->base.path = ctask_xstrdup("redis://");
	if (!rc && !pass) {
		const char *env = getenv("CTASK_REDIS_PASSWORD");
		pass = env && *env ? ctask_xstrdup(env) : NULL;
	}
	if (!rc)
		rc = rd_connect(s, host, port, db, pass);
	if (!rc)
		rc = load_scripts(s);
	if (!rc)
		rc = check_meta(s, flags);
	if (!rc)
		rc = clock_offset(s, &s->off);
	long long ver;
	if (!rc)
		rc = read_version(s, &ver, &s->del_seen);
	if (pass)
		memset(pass, 0, strlen(pass));
	free(pass);
	free(host);
	if (rc)
		rd_close(&s->base);
	else
		*out = &s->base;
	return rc;
}

/* ---- reading P:idx ------------------------------------------------------ */

/* One entry of P:idx, copied out of the replies (a scan reads 10^6). */
typedef struct {
	ctask_hash h;
	uint8_t n;
	uint8_t e[IDX_MAX];
} idx_entry;

static int by_entry(const void *a, const void *b)
{
	return ctask_hash_cmp(&((const idx_entry *)a)->h,
			      &((const idx_entry *)b)->h);
}

/* Fills rec from entry e (of n bytes) as scan reports it; small: give the
 * bytes of a small done result whose checksum matches. */
static void entry_record(const uint8_t *e, size_t n, bool small,
			 ctask_record *rec, ctask_hash *fp)
{
	rec->state = e[0];
	rec->size = get_le64(e + 1);
	rec->in_object = rec->size > CTASK_INLINE_MAX;
	rec->dirty = -1;
	if (e[IDX_FLAGS] & 1) {
		memcpy(fp->b, e + IDX_FP, sizeof fp->b);
		rec->fingerprint = fp;
	}
	if (small && rec->state == CTASK_REC_DONE &&
	    n - IDX_SMALL == rec->size &&
	    ctask_checksum(e + IDX_SMALL, n - IDX_SMALL) == get_le64(e + 9))
		rec->data = rec->size ? e + IDX_SMALL : (const uint8_t *)"";
}

/* Reads all of P:idx into *out (sorted, distinct: HSCAN may repeat). */
static int read_index(rd_store *s, idx_entry **out, size_t *nout)
{
	idx_entry *v = NULL; /* returned to the caller, who frees it */
	size_t n = 0, cap = 0;
	char cursor[32] = "0";
	int rc = 0;
	ctask_buf key = {0};
	ctask_buf_printf(&key, "%s:idx", s->prefix);
	do {
		redisReply *r = rd_vcmd(s, "HSCAN %s %s COUNT " SCAN_COUNT,
					(char *)key.p, cursor);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			rc = rd_fail(s, r, "cannot read results");
			freeReplyObject(r);
			break;
		}
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		redisReply *kv = r->element[1];
		for (size_t i = 0; i + 1 < kv->elements; i += 2) {
			redisReply *k = kv->element[i], *e = kv->element[i + 1];
			if (k->len != 16 || e->len < IDX_SMALL ||
			    e->len > IDX_MAX)
				continue; /* not ours: never misread */
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = ctask_xrealloc(v, cap * sizeof *v);
			}
			memcpy(v[n].h.b, k->str, 16);
			v[n].n = (uint8_t)e->len;
			memcpy(v[n].e, e->str, e->len);
			n++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	ctask_buf_free(&key);
	if (rc) {
		free(v);
		return rc;
	}
	if (n) /* v is NULL when P:idx is empty */
		qsort(v, n, sizeof *v, by_entry);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ctask_hash_cmp(&v[m - 1].h, &v[i].h) != 0)
			v[m++] = v[i];
	*out = v;
	*nout = m;
	return 0;
}

/* ---- leases, read ------------------------------------------------------- */

typedef struct {
	ctask_hash h;
	size_t owner; /* index into lease_set's owners */
	double leased;
} lease_item;

typedef struct {
	char *owner, *host;
	int pid;
	double expires; /* on the caller's clock */
	bool gone;	/* proven gone (sys.h): its leases are dead */
} owner_info;

typedef struct {
	lease_item *v;
	size_t n;
	owner_info *o;
	size_t no;
} lease_set;

static void lease_set_free(lease_set *ls)
{
	for (size_t i = 0; i < ls->no; i++) {
		free(ls->o[i].owner);
		free(ls->o[i].host);
	}
	free(ls->o);
	free(ls->v);
}

static int by_lease(const void *a, const void *b)
{
	return ctask_hash_cmp(&((const lease_item *)a)->h,
			      &((const lease_item *)b)->h);
}

static size_t owner_index(lease_set *ls, const char *o, size_t n)
{
	for (size_t i = 0; i < ls->no; i++)
		if (strlen(ls->o[i].owner) == n &&
		    memcmp(ls->o[i].owner, o, n) == 0)
			return i;
	ls->o = ctask_xrealloc(ls->o, (ls->no + 1) * sizeof *ls->o);
	ls->o[ls->no] = (owner_info){xstrndup(o, n), NULL, 0, 0, false};
	return ls->no++;
}

/* Reads every lease, sorted by hash, with its owner's host, pid and
 * expiry (finished owners: when they finished). */
static int read_leases(rd_store *s, lease_set *ls)
{
	double off = s->off;
	int rc = 0;
	redisReply *r = rd_vcmd(s, "HGETALL %s:lease", s->prefix);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		rc = rd_fail(s, r, "cannot read leases");
		freeReplyObject(r);
		return rc;
	}
	ls->v = ctask_xmalloc((r->elements / 2 + 1) * sizeof *ls->v);
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		redisReply *k = r->element[i], *l = r->element[i + 1];
		const char *nul = memchr(l->str, 0, l->len);
		if (k->len != 16 || !nul)
			continue;
		lease_item *it = &ls->v[ls->n++];
		memcpy(it->h.b, k->str, 16);
		it->owner = owner_index(ls, l->str, (size_t)(nul - l->str));
		it->leased = strtod(nul + 1, NULL) - off;
	}
	freeReplyObject(r);
	for (size_t i = 0; i < ls->no; i++)
		redisAppendCommand(s->c,
				   "HMGET %s:x:%s host pid expires finished "
				   "boot_id pid_ns proc_start renewed ttl",
				   s->prefix, ls->o[i].owner);
	for (size_t i = 0; i < ls->no; i++) {
		redisReply *x = NULL;
		if (redisGetReply(s->c, (void **)&x) != REDIS_OK || !x ||
		    x->type != REDIS_REPLY_ARRAY || x->elements != 9) {
			if (!rc)
				rc = rd_fail(s, x, "cannot read executors");
			freeReplyObject(x);
			continue;
		}
		owner_info *o = &ls->o[i];
		o->host = ctask_xstrdup(x->element[0]->str ? x->element[0]->str
							   : "");
		o->pid = x->element[1]->str ? atoi(x->element[1]->str) : 0;
		double exp = expiry(x->element[7]->str, x->element[8]->str,
				    x->element[2]->str, off);
		if (x->element[3]->str && *x->element[3]->str) {
			double fin = strtod(x->element[3]->str, NULL) - off;
			exp = fin < exp ? fin : exp;
		}
		o->expires = x->element[2]->str ? exp : 0;
		redisReply **id = x->element + 4;
		o->gone = id[0]->str && id[1]->str && id[2]->str &&
			  x->element[1]->str &&
			  ctask_proc_gone(id[0]->str, id[1]->str,
					  atol(x->element[1]->str),
					  strtoull(id[2]->str, NULL, 10)) == 1;
		if (!x->element[2]->str) { /* no record: unknown owner */
			free(o->owner);
			o->owner = ctask_xstrdup("");
		}
		freeReplyObject(x);
	}
	if (!rc)
		qsort(ls->v, ls->n, sizeof *ls->v, by_lease);
	return rc;
}

/* ---- scan and get ------------------------------------------------------- */

/* Sets *v to P:ver. */
static int read_version(rd_store *s, long long *v, long long *del)
{
	redisReply *r = rd_vcmd(s, "MGET %s:ver %s:del", s->prefix, s->prefix);
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		int rc = rd_fail(s, r, "cannot read the store");
		freeReplyObject(r);
		return rc;
	}
	redisReply **e = r->element;
	*v = e[0]->type == REDIS_REPLY_STRING ? strtoll(e[0]->str, NULL, 10)
					      : 0;
	if (del)
		*del = e[1]->type == REDIS_REPLY_STRING
			       ? strtoll(e[1]->str, NULL, 10)
			       : 0;
	freeReplyObject(r);
	return 0;
}

/* Notes the version our own write left: still "unchanged since the scan"
 * if it is one past the last known (nobody else wrote in between). */
static void own_write(rd_store *s, long long v)
{
	if (s->scanned && v == s->ver + 1)
		s->ver = v;
	else if (v != s->ver)
		s->scanned = false;
}

static bool entry_done(const idx_entry *v, size_t n, const ctask_hash *h)
{
	idx_entry key;
	key.h = *h;
	const idx_entry *e =
		n ? bsearch(&key, v, n, sizeof *v, by_entry) : NULL;
	return e && e->e[0] == CTASK_REC_DONE;
}

static int rd_scan(ctask_store *base, bool small, ctask_scan_cb cb, void *ud)
{
	rd_store *s = (rd_store *)base;
	idx_entry *v = NULL; /* owned here */
	size_t n = 0;
	lease_set ls = {0}; /* owned here */
	int rc = read_version(s, &s->ver, &s->del_seen);
	s->scanned = rc == 0;
	if (!rc)
		rc = read_index(s, &v, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		ctask_record rec = {0};
		ctask_hash fp;
		rec.hash = v[i].h;
		entry_record(v[i].e, v[i].n, small, &rec, &fp);
		rc = cb(ud, &rec);
	}
	if (!rc)
		rc = read_leases(s, &ls);
	double now = ctask_now();
	for (size_t i = 0; i < ls.n && !rc; i++) {
		if (entry_done(v, n, &ls.v[i].h))
			continue;
		const owner_info *o = &ls.o[ls.v[i].owner];
		ctask_record rec = {0};
		rec.hash = ls.v[i].h;
		rec.name = "";
		rec.state = CTASK_REC_RUNNING;
		rec.started = ls.v[i].leased;
		rec.host = o->host ? o->host : "";
		rec.dirty = -1;
		rec.expires = o->expires;
		rec.live = rec.expires > now && !o->gone;
		rc = cb(ud, &rec);
	}
	lease_set_free(&ls);
	free(v);
	return rc;
}

/* The field named f of an HGETALL reply r, or NULL. */
static const redisReply *field(const redisReply *r, const char *f)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (strcmp(r->element[i]->str, f) == 0)
			return r->element[i + 1];
	return NULL;
}

/* Keeps field f's text in s->strs; returns its offset + 1 (0: absent). */
static size_t keep(rd_store *s, const redisReply *r, const char *f)
{
	const redisReply *v = field(r, f);
	if (!v || v->len == 0)
		return 0;
	size_t off = s->strs.len;
	ctask_buf_append(&s->strs, v->str, v->len);
	ctask_buf_byte(&s->strs, 0);
	return off + 1;
}

static const char *kept(rd_store *s, size_t off)
{
	return off ? (const char *)s->strs.p + off - 1 : NULL;
}

static double num(const redisReply *r, const char *f)
{
	const redisReply *v = field(r, f);
	return v && v->str ? strtod(v->str, NULL) : 0;
}

static int corrupt(rd_store *s, const ctask_hash *h, const char *name)
{
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(h, hex);
	return ctask_error_set(CTASK_ECORRUPT,
			       "store %s: task %s (%s): checksum mismatch",
			       s->base.path, hex, name ? name : "?");
}

/* Whether data (the field of r) has r's size and checksum. */
static bool data_ok(const redisReply *d, uint64_t size, uint64_t sum)
{
	const char *p = d ? d->str : "";
	size_t n = d ? d->len : 0;
	return n == size && ctask_checksum(p, n) == sum;
}

static int rd_get(ctask_store *base, const ctask_hash *h, ctask_record *rec,
		  ctask_buf *data)
{
	rd_store *s = (rd_store *)base;
	char hex[CTASK_HASH_HEX];
	int rc = 0;
	memset(rec, 0, sizeof *rec);
	rec->hash = *h;
	if (data)
		data->len = 0;
	ctask_hash_hex(h, hex);
	redisReply *r = rd_vcmd(s, "HGETALL %s:r:%s", s->prefix, hex);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		rc = rd_fail(s, r, "cannot read a result");
		goto done;
	}
	if (r->elements == 0) {
		rc = ctask_error_set(CTASK_ENOTFOUND,
				     "no result for task %s in store %s", hex,
				     s->base.path);
		goto done;
	}
	s->strs.len = 0;
	size_t name = keep(s, r, "name"), msg = keep(s, r, "message"),
	       host = keep(s, r, "host"), commit = keep(s, r, "commit"),
	       file = keep(s, r, "task_file");
	rec->name = kept(s, name);
	rec->message = kept(s, msg);
	rec->host = kept(s, host);
	rec->commit = kept(s, commit);
	rec->task_file = kept(s, file);
	rec->state = (int)num(r, "state");
	rec->size = (uint64_t)strtoull(
		field(r, "size") ? field(r, "size")->str : "0", NULL, 10);
	rec->in_object = rec->size > CTASK_INLINE_MAX;
	rec->started = num(r, "started");
	rec->duration = num(r, "duration");
	const redisReply *d = field(r, "dirty");
	rec->dirty = d && d->len ? atoi(d->str) : -1;
	const redisReply *fp = field(r, "fingerprint");
	if (fp && fp->len == sizeof s->fp.b) {
		memcpy(s->fp.b, fp->str, sizeof s->fp.b);
		rec->fingerprint = &s->fp;
	}
	const redisReply *o = field(r, "output");
	if (o) {
		s->output.len = 0;
		ctask_buf_append(&s->output, o->str, o->len);
		ctask_buf_byte(&s->output, 0);
		rec->output = s->output.p;
		rec->output_len = o->len;
	}
	if (data && rec->state == CTASK_REC_DONE) {
		const redisReply *v = field(r, "data");
		const redisReply *c = field(r, "checksum");
		uint64_t sum = c ? strtoull(c->str, NULL, 10) : 0;
		if (!data_ok(v, rec->size, sum)) {
			rc = corrupt(s, h, rec->name);
			goto done;
		}
		if (v && v->len)
			ctask_buf_append(data, v->str, v->len);
	}
done:
	freeReplyObject(r);
	return rc;
}

/* Reads hs[from..to) with one pipeline of HMGETs and delivers them. */
static int get_batch(rd_store *s, size_t from, size_t to, const ctask_hash *hs,
		     ctask_get_cb cb, void *ud)
{
	char hex[CTASK_HASH_HEX];
	int rc = 0;
	for (size_t i = from; i < to; i++) {
		ctask_hash_hex(&hs[i], hex);
		redisAppendCommand(s->c,
				   "HMGET %s:r:%s state size checksum data",
				   s->prefix, hex);
	}
	for (size_t i = from; i < to; i++) {
		redisReply *r = NULL;
		if (redisGetReply(s->c, (void **)&r) != REDIS_OK || !r ||
		    r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
			if (!rc)
				rc = rd_fail(s, r, "cannot read results");
			freeReplyObject(r);
			continue;
		}
		if (rc) {
			freeReplyObject(r); /* drain the pipeline */
			continue;
		}
		redisReply **e = r->element;
		if (!e[0]->str || atoi(e[0]->str) != CTASK_REC_DONE) {
			rc = cb(ud, i, CTASK_ENOTFOUND, NULL, 0);
		} else {
			uint64_t size =
				strtoull(e[1]->str ? e[1]->str : "0", NULL, 10);
			uint64_t sum =
				strtoull(e[2]->str ? e[2]->str : "0", NULL, 10);
			const redisReply *d = e[3]->str ? e[3] : NULL;
			if (!data_ok(d, size, sum))
				rc = cb(ud, i, corrupt(s, &hs[i], NULL), NULL,
					0);
			else
				rc = cb(ud, i, 0,
					d ? (const uint8_t *)d->str
					  : (const uint8_t *)"",
					(size_t)size);
		}
		freeReplyObject(r);
	}
	return rc;
}

static int rd_get_sorted(ctask_store *base, size_t n, const ctask_hash *hs,
			 ctask_get_cb cb, void *ud)
{
	rd_store *s = (rd_store *)base;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i += PIPE_MAX)
		rc = get_batch(s, i, i + PIPE_MAX < n ? i + PIPE_MAX : n, hs,
			       cb, ud);
	return rc;
}

static int rd_changed(ctask_store *base)
{
	rd_store *s = (rd_store *)base;
	long long v;
	int rc = read_version(s, &v, NULL);
	return rc ? rc : !(s->scanned && v == s->ver);
}

/* See ctask_store_done: HMGET on P:idx, 4096 hashes a command. */
static int rd_done(ctask_store *base, size_t n, const ctask_hash *hs,
		   uint8_t *done)
{
	rd_store *s = (rd_store *)base;
	memset(done, 0, n);
	int rc = rd_changed(base);
	if (rc <= 0)
		return rc;
	args a = {0};
	char key[300];
	snprintf(key, sizeof key, "%s:idx", s->prefix);
	rc = 0;
	for (size_t i = 0; i < n && !rc; i += 4096) {
		size_t m = n - i < 4096 ? n - i : 4096;
		args_reset(&a);
		args_str(&a, "HMGET");
		args_str(&a, key);
		for (size_t k = 0; k < m; k++)
			args_add(&a, hs[i + k].b, 16);
		redisReply *r;
		if ((rc = rd_cmd(s, &a, "cannot read results", &r)))
			break;
		for (size_t k = 0; k < m && k < r->elements; k++)
			done[i + k] = r->element[k]->len > 0 &&
				      r->element[k]->str[0] == CTASK_REC_DONE;
		freeReplyObject(r);
	}
	args_free(&a);
	return rc;
}

/* ---- put and delete ----------------------------------------------------- */

/* Adds record r's arguments to a (see SC_PUT); the formatted numbers and
 * the entry are owned by a. */
static void put_args(args *a, const ctask_record *r, const char *message,
		     int state, const uint8_t *ins, size_t nins)
{
	int done = state == CTASK_REC_DONE;
	uint64_t size = done ? r->size : 0;
	const void *data = done && r->data ? (const void *)r->data : "";
	uint64_t sum = ctask_checksum(data, (size_t)size);
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(&r->hash, hex);

	uint8_t e[IDX_MAX] = {0};
	e[0] = (uint8_t)state;
	put_le64(e + 1, size);
	put_le64(e + 9, sum);
	if (r->fingerprint) {
		e[IDX_FLAGS] = 1;
		memcpy(e + IDX_FP, r->fingerprint->b, 16);
	}
	size_t en = IDX_SMALL;
	if (done && size <= CTASK_SCAN_SMALL) {
		memcpy(e + IDX_SMALL, data, (size_t)size);
		en += (size_t)size;
	}
	args_add(a, r->hash.b, 16);
	args_fmt(a, "%s", hex);
	/* the entry's bytes, owned by a (args_fmt copies text only) */
	char *ecopy = ctask_xmalloc(en);
	memcpy(ecopy, e, en);
	if (a->nown == a->capown) {
		a->capown = a->capown ? a->capown * 2 : 16;
		a->own = ctask_xrealloc(a->own, a->capown * sizeof *a->own);
	}
	a->own[a->nown++] = ecopy;
	args_add(a, ecopy, en);
	args_fmt(a, "%zu", nins);
	for (size_t k = 0; k < nins; k++)
		args_add(a, ins + 16 * k, 16);
	size_t count_at = a->n;
	args_add(a, "", 0); /* the field count, set below */
	size_t first = a->n;
	args_str(a, "name");
	args_str(a, r->name);
	args_str(a, "state");
	args_fmt(a, "%d", state);
	args_str(a, "size");
	args_fmt(a, "%" PRIu64, size);
	args_str(a, "checksum");
	args_fmt(a, "%" PRIu64, sum);
	args_str(a, "started");
	args_fmt(a, "%.17g", r->started);
	args_str(a, "duration");
	args_fmt(a, "%.17g", r->duration);
	if (done) {
		args_str(a, "data");
		args_add(a, data, (size_t)size);
	}
	if (message) {
		args_str(a, "message");
		args_str(a, message);
	}
	if (r->host) {
		args_str(a, "host");
		args_str(a, r->host);
	}
	if (r->fingerprint) {
		args_str(a, "fingerprint");
		args_add(a, r->fingerprint->b, 16);
	}
	if (r->commit) {
		args_str(a, "commit");
		args_str(a, r->commit);
		if (r->dirty >= 0) {
			args_str(a, "dirty");
			args_fmt(a, "%d", r->dirty != 0);
		}
	}
	if (r->task_file) {
		args_str(a, "task_file");
		args_str(a, r->task_file);
	}
	if (r->output) {
		args_str(a, "output");
		args_add(a, r->output, r->output_len);
	}
	args_fmt(a, "%zu", (a->n - first) / 2);
	a->v[count_at] = a->v[a->n - 1];
	a->len[count_at] = a->len[a->n - 1];
	a->n--;
}

/* Runs the put script on a's records, which are recs[from..to); sets
 * their refused flags. Returns 1 (nothing written) if the script needs
 * their inputs. */
static int put_flush(rd_store *s, args *a, size_t from, size_t to,
		     uint8_t *refused)
{
	redisReply *r;
	int rc = rd_script(s, SC_PUT, a, "cannot write results", &r);
	if (rc)
		return rc;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
		freeReplyObject(r);
		return 1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->len != to - from) {
		freeReplyObject(r);
		return rd_fail(s, NULL, "bad reply to a put");
	}
	own_write(s, r->element[0]->integer);
	for (size_t i = from; i < to; i++)
		refused[i] = r->element[1]->str[i - from] == '1';
	freeReplyObject(r);
	return 0;
}

/* Lists the inputs of the done records that have an inputs function into
 * b: record i's are at b->p + 16 * off[i] .. 16 * off[i + 1]. */
static void list_inputs(size_t n, const ctask_record *recs, ctask_buf *b,
			size_t *off)
{
	for (size_t i = 0; i < n; i++) {
		off[i] = b->len / 16;
		if (recs[i].state == CTASK_REC_DONE && recs[i].inputs)
			recs[i].inputs(recs[i].inputs_ud, b);
		b->len -= b->len % 16; /* whole hashes only */
	}
	off[n] = b->len / 16;
}

/* Starts the arguments of a put script. */
static void put_head(rd_store *s, args *a, char mode)
{
	script_args(s, a);
	args_str(a, s->base.owner ? s->base.owner : "");
	args_fmt(a, "%lld", s->del_seen);
	args_fmt(a, "%c", mode);
}

/* Writes the records, each with the release of the putter's lease on it
 * and the count of it for the executor, in one script per PUT_CHUNK_BYTES
 * of arguments (a chunk is atomic; a put of more than that is not, and an
 * input is looked for only in its own chunk or the store). A result larger
 * than Redis keeps (REDIS_MAX_VALUE) is recorded as a failure of its
 * task. When results were deleted since the last scan, the script asks for
 * the inputs (SC_PUT), and the chunk is sent again with them. */
static int rd_put(ctask_store *base, size_t n, const ctask_record *recs,
		  uint8_t *refused)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	char(*why)[96] = ctask_xcalloc(n, sizeof *why);	       /* owned here */
	uint8_t *no = refused ? refused : ctask_xcalloc(n, 1); /* owned */
	ctask_buf ins = {0};				       /* owned here */
	size_t *off = NULL;				       /* owned here */
	bool with_inputs = false;
	int rc = 0;
	size_t from = 0;
	while (from < n && rc >= 0) {
		bool any = false;
		size_t i = from;
		put_head(s, &a, with_inputs ? '1' : '0');
		size_t mode_at = a.n - 1;
		for (; i < n && (i == from || a.bytes < PUT_CHUNK_BYTES); i++) {
			const ctask_record *r = &recs[i];
			int state = r->state;
			const char *msg = state == CTASK_REC_DONE ? NULL
					  : r->message		  ? r->message
								  : "";
			if (state == CTASK_REC_DONE &&
			    r->size > REDIS_MAX_VALUE) {
				snprintf(why[i], sizeof why[i],
					 "its result is %" PRIu64
					 " bytes; a Redis store keeps at"
					 " most 512 MB",
					 r->size);
				state = CTASK_REC_FAILED;
				msg = why[i];
			}
			any = any || (state == CTASK_REC_DONE && r->inputs);
			const uint8_t *in = off ? ins.p + 16 * off[i] : NULL;
			size_t nin = off ? off[i + 1] - off[i] : 0;
			put_args(&a, r, msg, state, in, nin);
		}
		if (!with_inputs && any) {
			a.v[mode_at] = "?";
			a.len[mode_at] = 1;
		}
		rc = put_flush(s, &a, from, i, no);
		if (rc == 1 && !with_inputs) { /* again, with the inputs */
			with_inputs = true;
			off = ctask_xmalloc((n + 1) * sizeof *off);
			list_inputs(n, recs, &ins, off);
			rc = 0;
			continue;
		}
		if (rc == 1)
			rc = rd_fail(s, NULL, "a put asked for inputs twice");
		from = i;
	}
	if (rc && refused)
		memset(refused, 0, n);
	if (no != refused)
		free(no);
	args_free(&a);
	ctask_buf_free(&ins);
	free(off);
	free(why);
	return rc;
}

static int rd_delete(ctask_store *base, size_t n, const ctask_hash *hs,
		     uint64_t *count, uint64_t *freed)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	redisReply *r = NULL;
	script_args(s, &a);
	for (size_t i = 0; i < n; i++) {
		char hex[CTASK_HASH_HEX];
		ctask_hash_hex(&hs[i], hex);
		args_add(&a, hs[i].b, 16);
		args_fmt(&a, "%s", hex);
	}
	int rc = rd_script(s, SC_DELETE, &a, "cannot delete results", &r);
	if (!rc && (r->type != REDIS_REPLY_ARRAY || r->elements != 3))
		rc = rd_fail(s, NULL, "bad reply to delete");
	if (!rc) {
		if (count)
			*count += (uint64_t)r->element[0]->integer;
		if (freed)
			*freed += strtoull(r->element[1]->str, NULL, 10);
		own_write(s, r->element[2]->integer);
	}
	freeReplyObject(r);
	args_free(&a);
	return rc;
}

/* ---- executors and leases ----------------------------------------------- */

/* Runs a script whose reply is not needed. */
static int run_simple(rd_store *s, int which, args *a, const char *what)
{
	redisReply *r;
	int rc = rd_script(s, which, a, what, &r);
	freeReplyObject(r);
	args_free(a);
	return rc;
}

static int rd_executor_begin(ctask_store *base, const ctask_executor *e)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	script_args(s, &a);
	args_str(&a, e->owner);
	args_str(&a, e->host ? e->host : "");
	args_fmt(&a, "%d", e->pid);
	args_fmt(&a, "%.17g", e->started);
	args_fmt(&a, "%.6f", e->ttl > 0 ? e->ttl : 30);
	args_str(&a, e->boot_id ? e->boot_id : "");
	args_str(&a, e->pid_ns ? e->pid_ns : "");
	args_fmt(&a, "%" PRIu64, e->proc_start);
	return run_simple(s, SC_BEGIN, &a, "cannot record an executor");
}

static int rd_executor_end(ctask_store *base, const ctask_executor *e,
			   uint64_t done, uint64_t failed)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	script_args(s, &a);
	args_str(&a, e->owner);
	args_fmt(&a, "%" PRIu64, done);
	args_fmt(&a, "%" PRIu64, failed);
	return run_simple(s, SC_END, &a, "cannot record an executor");
}

static int rd_heartbeat(ctask_store *base, const ctask_executor *e, double ttl)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	script_args(s, &a);
	args_str(&a, e->owner);
	args_fmt(&a, "%.6f", ttl);
	return run_simple(s, SC_BEAT, &a, "cannot record a heartbeat");
}

static int rd_release(ctask_store *base, const ctask_executor *e, size_t n,
		      const ctask_hash *hs)
{
	rd_store *s = (rd_store *)base;
	args a = {0};
	script_args(s, &a);
	args_str(&a, e->owner);
	for (size_t i = 0; i < n; i++)
		args_add(&a, hs[i].b, 16);
	return run_simple(s, SC_RELEASE, &a, "cannot release leases");
}

/* Whether owner o, by its executor record, is proven gone (sys.h). */
static int owner_gone(rd_store *s, const char *o, size_t n, bool *gone)
{
	redisReply *r =
		rd_vcmd(s, "HMGET %s:x:%b boot_id pid_ns pid proc_start",
			s->prefix, o, n);
	*gone = false;
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
		int rc = rd_fail(s, r, "cannot read executors");
		freeReplyObject(r);
		return rc;
	}
	redisReply **e = r->element;
	if (e[0]->str && e[1]->str && e[2]->str && e[3]->str)
		*gone = ctask_proc_gone(e[0]->str, e[1]->str,
					strtol(e[2]->str, NULL, 10),
					strtoull(e[3]->str, NULL, 10)) == 1;
	freeReplyObject(r);
	return 0;
}

/* Adds the owners of the newline-separated list holders that are proven
 * gone to a (their count first, at a->v[count_at]); returns how many. */
static int gone_owners(rd_store *s, const redisReply *holders, args *a,
		       size_t *ngone)
{
	const char *p = holders->str ? holders->str : "";
	*ngone = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");
		bool gone;
		int rc = owner_gone(s, p, len, &gone);
		if (rc)
			return rc;
		if (gone) {
			char *o = xstrndup(p, len);
			args_fmt(a, "%s", o);
			free(o);
			(*ngone)++;
		}
		p += len + (p[len] == '\n');
	}
	return 0;
}

/* Builds the lease script's arguments; gone: the owners proven gone. */
static void lease_args(rd_store *s, args *a, const ctask_executor *e,
		       double ttl, int known, const args *gone, size_t n,
		       const ctask_hash *hs)
{
	script_args(s, a);
	args_str(a, e->owner);
	args_str(a, e->host ? e->host : "");
	args_fmt(a, "%d", e->pid);
	args_fmt(a, "%.17g", e->started);
	args_fmt(a, "%.17g", s->off);
	args_fmt(a, "%.6f", ttl);
	args_str(a, known == 0 ? "1" : "0");
	args_str(a, e->boot_id ? e->boot_id : "");
	args_str(a, e->pid_ns ? e->pid_ns : "");
	args_fmt(a, "%" PRIu64, e->proc_start);
	args_fmt(a, "%zu", gone ? gone->n : 0);
	for (size_t i = 0; gone && i < gone->n; i++)
		args_add(a, gone->v[i], gone->len[i]);
	for (size_t i = 0; i < n; i++)
		args_add(a, hs[i].b, 16);
}

/* Leases n hashes in one script (see SC_LEASE and ctask_store_lease). If
 * some are held by owners of this host proven gone (killed), leases again
 * with those owners dead. */
static int rd_lease(ctask_store *base, const ctask_executor *e, double ttl,
		    size_t n, const ctask_hash *hs, uint8_t *out,
		    double *expires)
{
	rd_store *s = (rd_store *)base;
	args a = {0}, gone = {0};
	redisReply *r = NULL;
	int rc = 0;
	/* Nobody else wrote a result since the caller's scan: the caller
	 * knows them all, so the script looks none up. */
	int known = rd_changed(base);
	if (known < 0)
		return known;
	for (int pass = 0; pass < 2; pass++) {
		lease_args(s, &a, e, ttl, known, pass ? &gone : NULL, n, hs);
		freeReplyObject(r);
		r = NULL;
		if ((rc = rd_script(s, SC_LEASE, &a, "cannot take leases", &r)))
			goto done;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
		    r->element[0]->len != n) {
			rc = rd_fail(s, NULL, "bad reply to a lease");
			goto done;
		}
		size_t ngone = 0;
		if (pass == 0 &&
		    (rc = gone_owners(s, r->element[2], &gone, &ngone)))
			goto done;
		if (ngone == 0)
			break;
	}
	const char *x = r->element[1]->str;
	for (size_t i = 0; i < n; i++) {
		char c = r->element[0]->str[i];
		out[i] = c == 'D'   ? CTASK_LEASE_DONE
			 : c == 'F' ? CTASK_LEASE_FAILED
			 : c == 'H' ? CTASK_LEASE_HELD
				    : CTASK_LEASE_TAKEN;
		char *end;
		double renewed = strtod(x, &end);
		double t = strtod(end, &end);
		x = end;
		if (expires)
			expires[i] =
				out[i] == CTASK_LEASE_DONE ||
						out[i] == CTASK_LEASE_FAILED
					? 0
					: (renewed - s->off) + t;
	}
done:
	freeReplyObject(r);
	args_free(&a);
	args_free(&gone);
	return rc;
}

static int rd_leases(ctask_store *base,
		     int (*cb)(void *ud, const ctask_lease *l), void *ud)
{
	rd_store *s = (rd_store *)base;
	lease_set ls = {0}; /* owned here */
	int rc = read_leases(s, &ls);
	double now = ctask_now();
	for (size_t i = 0; i < ls.n && !rc; i++) {
		const owner_info *o = &ls.o[ls.v[i].owner];
		ctask_lease l = {
			.hash = ls.v[i].h,
			.owner = o->owner,
			.host = o->host ? o->host : "",
			.pid = o->pid,
			.started = ls.v[i].leased,
			.expires = o->expires,
			.live = o->expires > now && !o->gone,
		};
		rc = cb(ud, &l);
	}
	lease_set_free(&ls);
	return rc;
}

/* One executor's record, with its HGETALL reply (owned). */
typedef struct {
	ctask_executor_rec x;
	redisReply *r;
} exec_row;

static int by_started(const void *a, const void *b)
{
	const ctask_executor_rec *x = &((const exec_row *)a)->x,
				 *y = &((const exec_row *)b)->x;
	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return strcmp(x->owner, y->owner);
}

static int rd_executors(ctask_store *base,
			int (*cb)(void *ud, const ctask_executor_rec *r),
			void *ud)
{
	rd_store *s = (rd_store *)base;
	double off = s->off, now = ctask_now();
	int rc = 0;
	redisReply *m = rd_vcmd(s, "SMEMBERS %s:xs", s->prefix);
	if (!m || m->type != REDIS_REPLY_ARRAY) {
		rc = rd_fail(s, m, "cannot read executors");
		freeReplyObject(m);
		return rc;
	}
	exec_row *v = ctask_xcalloc(m->elements + 1, sizeof *v); /* owned */
	size_t n = 0;
	for (size_t i = 0; i < m->elements; i++)
		redisAppendCommand(s->c, "HGETALL %s:x:%b", s->prefix,
				   m->element[i]->str, m->element[i]->len);
	for (size_t i = 0; i < m->elements; i++) {
		redisReply *r = NULL;
		if (redisGetReply(s->c, (void **)&r) != REDIS_OK || !r ||
		    r->type != REDIS_REPLY_ARRAY) {
			if (!rc)
				rc = rd_fail(s, r, "cannot read executors");
			freeReplyObject(r);
			continue;
		}
		if (!field(r, "owner")) {
			freeReplyObject(r);
			continue;
		}
		ctask_executor_rec *x = &v[n].x;
		v[n++].r = r;
		x->owner = field(r, "owner")->str;
		x->host = field(r, "host") ? field(r, "host")->str : "";
		x->pid = (int)num(r, "pid");
		x->started = num(r, "started");
		x->heartbeat = num(r, "heartbeat") - off;
		const redisReply *rn = field(r, "renewed"),
				 *tt = field(r, "ttl"),
				 *ex = field(r, "expires");
		x->expires = expiry(rn ? rn->str : NULL, tt ? tt->str : NULL,
				    ex ? ex->str : NULL, off);
		x->finished = num(r, "finished") ? num(r, "finished") - off : 0;
		x->done = (uint64_t)num(r, "done");
		x->failed = (uint64_t)num(r, "failed");
		const redisReply *b = field(r, "boot_id"),
				 *ns = field(r, "pid_ns"),
				 *ps = field(r, "proc_start");
		bool gone = b && ns && ps &&
			    ctask_proc_gone(b->str, ns->str, x->pid,
					    strtoull(ps->str, NULL, 10)) == 1;
		x->live = x->finished == 0 && x->expires > now && !gone;
	}
	freeReplyObject(m);
	if (!rc)
		qsort(v, n, sizeof *v, by_started);
	for (size_t i = 0; i < n && !rc; i++)
		rc = cb(ud, &v[i].x);
	for (size_t i = 0; i < n; i++)
		freeReplyObject(v[i].r);
	free(v);
	return rc;
}

/* ---- attempts and notes ------------------------------------------------- */

static int rd_attempt(ctask_store *base, const ctask_hash *h, const char *name,
		      int attempt, const char *message, double started,
		      double duration)
{
	rd_store *s = (rd_store *)base;
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(h, hex);
	ctask_buf b = {0}; /* owned here: the attempt, one line a field */
	ctask_buf_printf(
		&b,
		"name %s\nstarted %.6f\nduration %.6f\nhost %s\n"
		"owner %s\nmessage %s",
		name, started, duration, s->base.host ? s->base.host : "",
		s->base.owner ? s->base.owner : "", message ? message : "");
	redisReply *r = rd_vcmd(s, "HSET %s:a:%s %d %b", s->prefix, hex,
				attempt, b.p, b.len);
	int rc = r && r->type == REDIS_REPLY_INTEGER
			 ? 0
			 : rd_fail(s, r, "cannot record an attempt");
	freeReplyObject(r);
	ctask_buf_free(&b);
	return rc;
}

static int rd_attempts(ctask_store *base, const ctask_hash *h, int *count)
{
	rd_store *s = (rd_store *)base;
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(h, hex);
	redisReply *r = rd_vcmd(s, "HLEN %s:a:%s", s->prefix, hex);
	int rc = r && r->type == REDIS_REPLY_INTEGER
			 ? 0
			 : rd_fail(s, r, "cannot read attempts");
	if (!rc)
		*count = (int)r->integer;
	freeReplyObject(r);
	return rc;
}

static int rd_note_get(ctask_store *base, const char *key, ctask_buf *value)
{
	rd_store *s = (rd_store *)base;
	redisReply *r = rd_vcmd(s, "GET %s:note:%s", s->prefix, key);
	int rc = 0;
	if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL))
		rc = rd_fail(s, r, "cannot read a note");
	else if (r->type == REDIS_REPLY_NIL)
		rc = ctask_error_set(CTASK_ENOTFOUND, "store %s has no note %s",
				     s->base.path, key);
	else {
		value->len = 0;
		ctask_buf_append(value, r->str, r->len);
	}
	freeReplyObject(r);
	return rc;
}

static int rd_note_set(ctask_store *base, const char *key, const void *p,
		       size_t n)
{
	rd_store *s = (rd_store *)base;
	redisReply *r =
		rd_vcmd(s, "SET %s:note:%s %b", s->prefix, key, n ? p : "", n);
	int rc = r && r->type == REDIS_REPLY_STATUS
			 ? 0
			 : rd_fail(s, r, "cannot write a note");
	freeReplyObject(r);
	return rc;
}

const struct ctask_store_ops ctask_store__redis_ops = {
	.open = rd_open,
	.close = rd_close,
	.scan = rd_scan,
	.get = rd_get,
	.get_sorted = rd_get_sorted,
	.done = rd_done,
	.changed = rd_changed,
	.put = rd_put,
	.delete = rd_delete,
	.executor_begin = rd_executor_begin,
	.executor_end = rd_executor_end,
	.lease = rd_lease,
	.heartbeat = rd_heartbeat,
	.release = rd_release,
	.leases = rd_leases,
	.executors = rd_executors,
	.attempt = rd_attempt,
	.attempts = rd_attempts,
	.note_get = rd_note_get,
	.note_set = rd_note_set,
};
