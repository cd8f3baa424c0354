#!/usr/bin/python3
# slixmpp (Debian's python3-slixmpp 1.8.3) as an independent disco peer for the
# integration tests, both ways (test/helpers/commandPeer.ts drives it):
#  - answering: its xep_0030 static disco, with the identities (names per
#    xml:lang), features, XEP-0128 form, nodes and items below, and its
#    XEP-0115 caps on its presence;
#  - asking: its get_info / get_items on commands read from stdin, one JSON
#    object a line, each answered on stdout with the same id:
#      {"id": N, "cmd": "info", "jid": JID, "node": NODE|null}
#      {"id": N, "cmd": "items", "jid": JID, "node": NODE|null}
#      {"id": N, "cmd": "presence", "to": JID}   a directed presence, with caps
#    -> {"id": N, "ok": true, "result": ...} or {"id": N, "ok": false, "error": ..., "condition": ...}
# And {"event": "online", "jid": FULL_JID} once the session is up and disco set.
#
# Usage: /usr/bin/python3 slixmppDiscoPeer.py HOST PORT JID PASSWORD
import asyncio
import json
import sys

import slixmpp
from slixmpp.exceptions import IqError

FEATURE = 'urn:example:slixmpp'
INFO_FORM = 'urn:example:slixmpp:info'


def report(**fields):
    print(json.dumps(fields), flush=True)


def info_dict(iq):
    query = iq['disco_info']
    identities = []
    for category, itype, lang, name in query['identities']:
        identity = {'category': category, 'type': itype}
        if name:
            identity['name'] = name
        if lang:
            identity['lang'] = lang
        identities.append(identity)
    forms = []
    for form in query['substanzas']:
        if form.name != 'x':
            continue
        fields = []
        for var, field in form.get_fields().items():
            value = field.get_value(convert=False)
            values = [] if value is None else list(value) if isinstance(value, list) else [value]
            fields.append({'var': var, 'values': values})
        forms.append({'type': form['type'], 'fields': fields})
    return {'node': query['node'] or None, 'identities': identities, 'features': list(query['features']), 'forms': forms}


def items_dict(iq):
    items = []
    # In document order (the plugin's ['items'] is a set).
    for el in iq.xml.iter('{http://jabber.org/protocol/disco#items}item'):
        item = {'jid': el.get('jid')}
        if el.get('node'):
            item['node'] = el.get('node')
        if el.get('name'):
            item['name'] = el.get('name')
        items.append(item)
    return {'node': iq['disco_items']['node'] or None, 'items': items}


class DiscoPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0004', 'xep_0128', 'xep_0115'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('failed_auth', lambda _: self.fail('authentication failed'))

    async def on_session_start(self, _):
        disco = self['xep_0030']
        me = self.boundjid
        disco.del_identity(jid=me, category='client', itype='bot')
        await disco.add_identity('client', 'pc', name='slixmpp peer', lang='en', jid=me)
        await disco.add_identity('client', 'pc', name='slixmpp Gegenstelle', lang='de', jid=me)
        await disco.add_feature(FEATURE, jid=me)
        form = self['xep_0004'].make_form(ftype='result')
        form.add_field(var='FORM_TYPE', ftype='hidden', value=INFO_FORM)
        form.add_field(var='colour', value='green')
        await self['xep_0128'].set_extended_info(jid=me, data=form)
        await disco.add_identity('hierarchy', 'branch', name='Albums', node='albums', jid=me)
        await disco.add_feature('urn:example:albums', node='albums', jid=me)
        await disco.add_item(jid=me.full, name='2025', node='albums', subnode='albums/2025', ijid=me)
        await disco.add_item(jid=me.full, name='2026', node='albums', subnode='albums/2026', ijid=me)
        await disco.add_item(jid=me.full, name='Photo albums', subnode='albums', ijid=me)
        await self['xep_0115'].update_caps(jid=me)
        report(event='online', jid=str(me))
        # Held: asyncio keeps only weak references to tasks.
        self.tasks = {asyncio.ensure_future(self.read_commands())}

    async def read_commands(self):
        loop = asyncio.get_event_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                return
            task = asyncio.ensure_future(self.handle(json.loads(line)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def handle(self, command):
        try:
            cmd = command['cmd']
            if cmd == 'info':
                iq = await self['xep_0030'].get_info(jid=command['jid'], node=command.get('node'), local=False, timeout=15)
                result = info_dict(iq)
            elif cmd == 'items':
                iq = await self['xep_0030'].get_items(jid=command['jid'], node=command.get('node'), local=False, timeout=15)
                result = items_dict(iq)
            elif cmd == 'presence':
                self.send_presence(pto=command['to'])
                result = None
            else:
                raise ValueError(f'unknown command {cmd}')
            report(id=command['id'], ok=True, result=result)
        except IqError as error:
            report(id=command['id'], ok=False, error=repr(error), condition=error.iq['error']['condition'])
        except Exception as error:  # any failure goes to the test
            report(id=command['id'], ok=False, error=repr(error), condition=None)

    def fail(self, message):
        report(event='error', message=message)
        sys.exit(1)


def main():
    host, port, jid, password = sys.argv[1:5]
    peer = DiscoPeer(jid, password)
    # Loopback test server: plain TCP, no TLS.
    peer.connect((host, int(port)), force_starttls=False, disable_starttls=True)
    asyncio.get_event_loop().run_forever()


if __name__ == '__main__':
    main()
