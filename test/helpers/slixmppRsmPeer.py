#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp 1.8.3) as an independent requester for
# the integration tests: it walks TARGET's disco#items with its own XEP-0059
# iterator (plugin xep_0059, `amount` items a page, after = the previous
# page's last) and reports each page, one JSON object per line on stdout:
#   {"event": "online", "jid": FULL_JID}
#   {"event": "page", "items": [JID or "JID NODE", ...], "first": ..., "first_index": ..., "last": ..., "count": ...}
#   {"event": "done"}                      then exit 0
#   {"event": "error", "message": ...}     then exit 1
#
# Usage: /usr/bin/python3 slixmppRsmPeer.py HOST PORT JID PASSWORD TARGET AMOUNT
import asyncio
import json
import sys

import slixmpp


def report(**fields):
    print(json.dumps(fields), flush=True)


class RsmWalker(slixmpp.ClientXMPP):
    def __init__(self, jid, password, target, amount):
        super().__init__(jid, password)
        self.target = target
        self.amount = amount
        for plugin in ('xep_0030', 'xep_0059'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('failed_auth', lambda _: self.fail('authentication failed'))

    async def on_session_start(self, _):
        report(event='online', jid=str(self.boundjid))
        try:
            iq = self.Iq()
            iq['type'] = 'get'
            iq['to'] = self.target
            iq['disco_items']['node'] = None
            async for page in self['xep_0059'].iterate(iq, 'disco_items', amount=self.amount):
                rsm = page['disco_items']['rsm']
                # In document order (the plugin's ['items'] is a set).
                items = [
                    el.get('jid') if not el.get('node') else f"{el.get('jid')} {el.get('node')}"
                    for el in page.xml.iter('{http://jabber.org/protocol/disco#items}item')
                ]
                report(event='page', items=items, first=rsm['first'], first_index=rsm['first_index'], last=rsm['last'], count=rsm['count'])
            report(event='done')
        except Exception as error:  # report anything, the test shows it
            self.fail(repr(error))
            return
        self.disconnect()
        asyncio.get_event_loop().call_later(0.2, lambda: sys.exit(0))

    def fail(self, message):
        report(event='error', message=message)
        sys.exit(1)


def main():
    host, port, jid, password, target, amount = sys.argv[1:7]
    walker = RsmWalker(jid, password, target, int(amount))
    # Loopback test server: plain TCP, no TLS.
    walker.connect((host, int(port)), force_starttls=False, disable_starttls=True)
    asyncio.get_event_loop().run_forever()


if __name__ == '__main__':
    main()
