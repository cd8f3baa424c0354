#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp 1.8.3) as an independent peer for the
# integration tests: its XEP-0115 plugin queries node#ver for every caps it
# has not seen and verifies the result with its own hash code. We only listen
# to that verification and report it, one JSON object per line on stdout:
#   {"event": "online", "jid": FULL_JID}
#   {"event": "caps", "node": "NODE#VER", "ver": VER, "verified": true|false,
#    "forms": [{VAR: [VALUES]}...]}         (the forms as slixmpp read them)
#   {"event": "error", "message": ...}     then exit 1
#
# Usage: /usr/bin/python3 slixmppCapsPeer.py HOST PORT JID PASSWORD
import asyncio
import json
import sys

import slixmpp


def report(**fields):
    print(json.dumps(fields), flush=True)


class CapsPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0004', 'xep_0128', 'xep_0115'):
            self.register_plugin(plugin)
        caps = self['xep_0115']
        validate = caps._validate_caps

        # The plugin's own check (duplicates, FORM_TYPE rules, the hash),
        # wrapped only to hear its verdict and what it read.
        async def reported_validate(info, hash_name, ver):
            forms = [
                {var: _values(field) for var, field in form.get_fields().items()}
                for form in info['substanzas']
                if isinstance(form, self['xep_0004'].stanza.Form)
            ]
            verified = await validate(info, hash_name, ver)
            report(event='caps', node=info['node'], ver=ver, verified=bool(verified), forms=forms)
            return verified

        caps._validate_caps = reported_validate
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('failed_auth', lambda _: self.fail('authentication failed'))
        self.add_event_handler('disconnected', lambda _: self.fail('disconnected'))

    async def on_session_start(self, _):
        self.send_presence()
        report(event='online', jid=str(self.boundjid))

    def fail(self, message):
        report(event='error', message=message)
        sys.exit(1)


def _values(field):
    value = field.get_value(convert=False)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def main():
    host, port, jid, password = sys.argv[1:5]
    peer = CapsPeer(jid, password)
    # Loopback test server: plain TCP, no TLS.
    peer.connect((host, int(port)), force_starttls=False, disable_starttls=True)
    asyncio.get_event_loop().run_forever()


if __name__ == '__main__':
    main()
