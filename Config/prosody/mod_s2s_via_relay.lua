-- mod_s2s_via_relay: send every outgoing s2s connection of a stock Prosody 0.12 to xmpp-relay.
--
-- Prosody 0.12.3 has no outgoing-route option (mod_s2sout_override needs 0.12.4). mod_s2s looks up
-- require "net.resolvers.service".new at every connect, so replacing it on the shared table
-- reroutes all outgoing s2s, dialback verification included, with no DNS lookup at all.
--
-- Global module. In the global section of prosody.cfg.lua:
--   modules_enabled = { ..., "s2s_via_relay" }
--   s2s_relay = "127.0.0.1:5289"        -- the relay's home listener ("[::1]:5289" for IPv6)
--   s2s_secure_auth = false             -- the relay authenticates itself to Prosody by dialback
-- Unloading the module restores Prosody's own resolver.

module:set_global();

local service = require "net.resolvers.service";
local basic = require "net.resolvers.basic";
local manual = require "net.resolvers.manual";

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

local original_new = service.new;

service.new = function (hostname, service_name, conn_type, extra)
	if service_name == "xmpps-server" then
		-- No direct-TLS attempt: the relay does TLS towards the public network itself.
		return manual.new({}, conn_type, extra);
	elseif service_name == "xmpp-server" then
		if extra then
			-- The relay's certificate is not the remote domain's: DANE would refuse it.
			extra.use_dane = false;
		end
		module:log("debug", "Routing outgoing s2s for %s to relay %s", hostname, relay);
		return basic.new(relay_host, relay_port, conn_type, extra);
	end
	return original_new(hostname, service_name, conn_type, extra);
end

module:log("info", "Outgoing s2s goes to relay %s", relay);

function module.unload()
	service.new = original_new;
	module:log("info", "Outgoing s2s uses DNS again");
end
