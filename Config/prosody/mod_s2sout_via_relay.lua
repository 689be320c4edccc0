-- mod_s2sout_via_relay: send every outgoing s2s connection of Prosody 13 (and 0.12.4+) to xmpp-relay.
--
-- mod_s2s fires "s2sout-pre-connect" on the sending host just before it connects, with the resolver
-- it built from DNS (SRV, then A/AAAA, a direct-TLS attempt first). Swapping in a basic resolver for
-- the relay's address routes every outgoing stream there, dialback verification included, without
-- any DNS lookup. Debian 13's prosody-modules has no mod_s2sout_override; this is the same route.
-- On Prosody 0.12.3 (no such event) use mod_s2s_via_relay instead.
--
-- Load it once, in the global section of prosody.cfg.lua. It is a global module that hooks the event
-- on every host, Components included: a MUC or upload component's own outgoing s2s (its presence to
-- remote occupants, its dialback) must take the same route, and Components do not load the global
-- modules_enabled list themselves.
--   modules_enabled = { ..., "s2sout_via_relay" }
--   s2s_relay = "127.0.0.1:5289"        -- the relay's home listener ("[::1]:5289" for IPv6)
--   s2s_secure_auth = false             -- the relay authenticates itself to Prosody by dialback
-- Unloading the module removes its hook: Prosody uses DNS again.

local function load(name)
	-- Prosody 13 names its libraries prosody.*; 0.12 has them at the top level.
	local ok, lib = pcall(require, "prosody." .. name);
	if ok then return lib; end
	return require(name);
end

-- Checked here rather than with a "requires" metadata line, so 0.12.3 says what to use instead.
local features_ok, features = pcall(load, "core.features");
if not (features_ok and features.available and features.available:contains("s2sout-pre-connect-event")) then
	module:log("error", "Prosody %s has no s2sout-pre-connect event (needs 0.12.4 or later; on 0.12.3 use "
		.. "mod_s2s_via_relay): outgoing s2s is NOT rerouted", prosody.version or "(unknown version)");
	return;
end

local basic = load("net.resolvers.basic");

local relay = module:get_option_string("s2s_relay");
if not relay then
	module:log("error", "s2s_relay is not set (e.g. s2s_relay = \"127.0.0.1:5289\"): outgoing s2s is NOT rerouted");
	return;
end

local relay_host, relay_port = relay:match("^%[([^%]]+)%]:(%d+)$");
if not relay_host then
	relay_host, relay_port = relay:match("^([^:]+):(%d+)$");
end
relay_port = tonumber(relay_port);
if not relay_host or not relay_port then
	module:log("error", "s2s_relay = %q is not HOST:PORT: outgoing s2s is NOT rerouted", relay);
	return;
end

module:set_global();

local function route(event)
	local to_host = event.session and event.session.to_host or "?";
	module:log("debug", "Routing outgoing s2s for %s to relay %s", to_host, relay);
	-- One plain-TCP target: no SRV, no direct TLS (the relay does TLS towards the public network),
	-- no DANE (the relay's certificate is not the remote domain's).
	event.resolver = basic.new(relay_host, relay_port, "tcp", { use_dane = false });
end

local hooked = {};
local function hook_host(name)
	local host = prosody.hosts[name];
	if host and host.events and not hooked[name] then
		host.events.add_handler("s2sout-pre-connect", route);
		hooked[name] = true;
	end
end
for name in pairs(prosody.hosts) do hook_host(name); end
module:hook("host-activated", hook_host);
module:hook("host-deactivated", function (name) hooked[name] = nil; end);

module:log("info", "Outgoing s2s goes to relay %s", relay);

function module.unload()
	for name in pairs(hooked) do
		local host = prosody.hosts[name];
		if host and host.events then host.events.remove_handler("s2sout-pre-connect", route); end
	end
	module:log("info", "Outgoing s2s uses DNS again");
end
