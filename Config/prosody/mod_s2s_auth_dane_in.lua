-- mod_s2s_auth_dane_in: authenticate incoming s2s peers by DANE-EE on a stock Prosody 0.12.
--
-- Prosody 0.12 uses DANE only for its outgoing connections (use_dane = true); a connecting
-- server with a self-signed certificate published as TLSA is "not trusted" and falls back to
-- dialback. This module looks up the peer domain's DNSSEC-secure SRV targets and their TLSA
-- records and, when a DANE-EE record (usage 3) matches the presented certificate, marks chain
-- and identity valid, so Prosody offers and accepts SASL EXTERNAL (and s2s_secure_auth passes).
-- Needs lua-unbound (DNSSEC-validating net.adns). Global module:
--   modules_enabled = { ..., "s2s_auth_dane_in" }

module:set_global();

-- Prosody 13 does incoming DANE itself, with a module of this very name that use_dane = true loads:
-- this copy, found first on plugin_paths, would stand in for it. Say so.
local major = tonumber(tostring(prosody.version):match("^(%d+)%."));
if major and major >= 13 then
	module:log("warn", "Prosody %s does incoming DANE itself: this copy of mod_s2s_auth_dane_in shadows Prosody's "
		.. "own; remove it from plugin_paths", prosody.version);
end

local async = require "util.async";
local adns = require "net.adns";
local hashes = require "util.hashes";
local base64 = require "util.encodings".base64;

local function pem_to_der(pem)
	local body = pem:match("%-%-%-%-%-BEGIN [^-]+%-%-%-%-%-(.-)%-%-%-%-%-END");
	return body and base64.decode((body:gsub("%s", "")));
end

-- Digest of the certificate (selector 0) or its SubjectPublicKeyInfo (selector 1).
local function digest(cert, selector, matching)
	local der;
	if selector == 0 then der = pem_to_der(cert:pem()); elseif selector == 1 then der = pem_to_der(cert:pubkey()); end
	if not der then return nil; end
	if matching == 0 then return der; elseif matching == 1 then return hashes.sha256(der); elseif matching == 2 then return hashes.sha512(der); end
end

local function lookup(name, qtype)
	return async.wait_for(adns.resolver():lookup_promise(name, qtype, "IN"));
end

-- TLSA owner names for a domain: one per secure SRV target, else the domain itself on 5269.
local function tlsa_names(domain)
	local names = {};
	for _, service in ipairs({ "xmpps-server", "xmpp-server" }) do
		local srv = lookup("_" .. service .. "._tcp." .. domain, "SRV");
		if srv and srv.secure then
			for _, record in ipairs(srv) do
				if record.srv.target ~= "." then
					table.insert(names, ("_%d._tcp.%s"):format(record.srv.port, record.srv.target));
				end
			end
		end
	end
	if names[1] == nil then names[1] = "_5269._tcp." .. domain; end
	return names;
end

module:hook("s2s-check-certificate", function (event)
	local session, host, cert = event.session, event.host, event.cert;
	if session.direction ~= "incoming" or not host or not cert then return; end
	if session.cert_chain_status == "valid" and session.cert_identity_status == "valid" then return; end
	if not async.ready() then return; end -- lookups need the session's async runner
	local log = session.log or module._log;
	for _, name in ipairs(tlsa_names(host)) do
		local tlsa = lookup(name, "TLSA");
		if tlsa and tlsa.secure then
			for _, record in ipairs(tlsa) do
				local rr = record.tlsa;
				if rr.use == 3 and digest(cert, rr.select, rr.match) == rr.data then
					log("info", "DANE-EE match for %s at %s: certificate accepted", host, name);
					session.cert_chain_status = "valid";
					session.cert_identity_status = "valid";
					return;
				end
			end
		end
	end
	log("debug", "No secure DANE-EE record for %s matches its certificate", host);
end, 100);
