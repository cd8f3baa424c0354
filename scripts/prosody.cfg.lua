-- Prosody config for throwaway test/dev servers of react-xmpp-disco.
--
-- Never used as a system service: scripts/prosody-lib.mjs starts
-- `prosody --config <this file> -F` with these environment variables set:
--   RXD_PROSODY_DIR        fresh temp dir (data, pidfile, log, certs/ live inside)
--   RXD_PROSODY_HOST       the VirtualHost (default "localhost")
--   RXD_PROSODY_C2S_PORT   client-to-server TCP port on 127.0.0.1
--   RXD_PROSODY_HTTP_PORT  HTTP port on 127.0.0.1 (WebSocket at /xmpp-websocket)
--   RXD_PROSODY_LOG_LEVEL  "info" (default) or "debug" (every stanza); the
--                          startup code reads the info lines of the log file
--   RXD_PROSODY_LOG_CONSOLE  "1": also log to stdout (prosody runs with -F)
--   RXD_PROSODY_MUC        "1": a MUC service at conference.<host> (rooms
--                          created by joining, listed at once)
--   RXD_PROSODY_COMPONENT_PORT, RXD_PROSODY_COMPONENT_SECRET
--                          both set: an external component (XEP-0114) may
--                          connect on that port as comp.<host> with that secret
--                          (the scale benchmark sends presences from it)
--   RXD_PROSODY_SMACKS     "0": no XEP-0198 stream management (the answering
--                          benchmark: see prosody-lib.d.mts streamManagement)
-- The same variables are needed by `prosodyctl --config <abs path> register ...`.

local dir = os.getenv("RXD_PROSODY_DIR")
if not dir or dir == "" then
	error("RXD_PROSODY_DIR is not set; start Prosody through scripts/prosody-lib.mjs")
end
local host = os.getenv("RXD_PROSODY_HOST") or "localhost"
local c2s_port = tonumber(os.getenv("RXD_PROSODY_C2S_PORT") or "") or 5222
local http_port = tonumber(os.getenv("RXD_PROSODY_HTTP_PORT") or "") or 5280
local log_level = os.getenv("RXD_PROSODY_LOG_LEVEL") == "debug" and "debug" or "info"
local log_console = os.getenv("RXD_PROSODY_LOG_CONSOLE") == "1"
local muc = os.getenv("RXD_PROSODY_MUC") == "1"
local comp_port = tonumber(os.getenv("RXD_PROSODY_COMPONENT_PORT") or "")
local comp_secret = os.getenv("RXD_PROSODY_COMPONENT_SECRET")
if comp_secret == "" then comp_secret = nil end
local smacks = os.getenv("RXD_PROSODY_SMACKS") ~= "0"
local resume_timeout = tonumber(os.getenv("RXD_PROSODY_RESUME_TIMEOUT") or "")

-- Tests and CI run as root; without this Prosody refuses to start (and
-- 0.12.3 then hangs on shutdown).
run_as_root = true

data_path = dir .. "/data"
pidfile = dir .. "/prosody.pid"
certificates = dir .. "/certs"
-- (Options are write-only in the config sandbox: build the table locally.)
local sinks = {
	{ levels = { min = log_level }, to = "file", filename = dir .. "/prosody.log" };
}
if log_console then
	sinks[#sinks + 1] = { levels = { min = log_level }, to = "console" }
end
log = sinks

-- Loopback only, c2s + HTTP (WebSocket) only.
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { c2s_port }
http_ports = { http_port }
http_interfaces = { "127.0.0.1" }
s2s_ports = { }
-- No component port unless a test or benchmark asks for one (loopback only).
component_ports = { comp_secret and comp_port or nil }
component_interfaces = { "127.0.0.1" }
https_ports = { }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_direct_tls_ports = { }

admins = { }

local modules = {
	"roster";
	"saslauth";
	"disco";
	"ping";
	"register";
	"posix";
	"http";
	"websocket";
	"pep"; -- queries clients' disco#info via entity caps: a real peer for caps tests
	-- NOT "limits": the Debian default throttles clients to 10 kB/s.
}
if smacks then
	-- XEP-0198 stream management, as on production servers: clients resume
	modules[#modules + 1] = "smacks"
end
modules_enabled = modules
modules_disabled = { "s2s" }

authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
allow_registration = true
-- How long a dropped session waits for its resumption (XEP-0198); tests of
-- an expired one shorten it.
if resume_timeout then
	smacks_hibernation_time = resume_timeout
end
min_seconds_between_registrations = 0

-- Answer without waiting for ACKs (Nagle + delayed ACK stall small writes
-- ~40 ms on loopback); the clients disable it too (test/helpers/xmppClient.ts).
network_settings = {
	nagle = false;
}

-- Big disco results must fit.
c2s_stanza_size_limit = 10 * 1024 * 1024

http_cors_override = {
	websocket = { enabled = true };
}
cross_domain_websocket = true

VirtualHost(host)

if muc then
	Component("conference." .. host) "muc"
	-- A room is listed as soon as someone joins it (no configuration step, public).
	muc_room_locking = false
	muc_room_default_public = true
end

if comp_port and comp_secret then
	Component("comp." .. host)
	component_secret = comp_secret
end
