#!/usr/bin/python3
# aioxmpp (Debian's python3-aioxmpp 0.13.3) as an independent peer for the
# integration tests, both ways:
#  - answering: its own DiscoServer, with the identities, features, nodes and
#    items of SPEC below;
#  - asking: its DiscoClient, on commands read from stdin (one JSON object a
#    line), each answered on stdout with the same id:
#      {"id": N, "cmd": "info", "jid": JID, "node": NODE|null}
#      {"id": N, "cmd": "items", "jid": JID, "node": NODE|null}
#      {"id": N, "cmd": "presence", "to": JID}   a directed available presence
#    -> {"id": N, "ok": true, "result": ...} or {"id": N, "ok": false, "error": ...}
#  - its entity capabilities service (XEP-0115 and XEP-0390) verifies the caps
#    of a presence when its DiscoClient is asked for that JID's info; each
#    verification is reported:
#      {"event": "caps", "jid": JID, "node": NODE, "verified": true|false}
# And {"event": "online", "jid": FULL_JID} once the session is up.
#
# Usage: /usr/bin/python3 aioxmppPeer.py HOST PORT JID PASSWORD
import asyncio
import json
import sys

import aioxmpp
import aioxmpp.connector
import aioxmpp.disco
import aioxmpp.entitycaps
import aioxmpp.forms

# What the peer answers (the test reads the same values).
FEATURE = 'urn:example:aioxmpp'
ALBUMS = [('albums/2025', '2025'), ('albums/2026', '2026')]


def report(**fields):
    print(json.dumps(fields), flush=True)


def identity_dict(identity):
    out = {'category': identity.category, 'type': identity.type_}
    if identity.name is not None:
        out['name'] = identity.name
    if identity.lang is not None:
        out['lang'] = str(identity.lang)
    return out


def form_dict(form):
    return {
        'type': form.type_.value,
        'fields': [{'var': f.var, 'values': list(f.values)} for f in form.fields],
    }


def info_dict(info):
    return {
        'node': info.node,
        'identities': [identity_dict(i) for i in info.identities],
        'features': list(info.features),
        'forms': [form_dict(f) for f in info.exts],
    }


def item_dict(item):
    out = {'jid': str(item.jid)}
    if item.node is not None:
        out['node'] = item.node
    if item.name is not None:
        out['name'] = item.name
    return out


def serve(client):
    server = client.summon(aioxmpp.DiscoServer)
    server.register_identity('client', 'pc', names={
        aioxmpp.structs.LanguageTag.fromstr('en'): 'aioxmpp peer',
        aioxmpp.structs.LanguageTag.fromstr('de'): 'aioxmpp Gegenstelle',
    })
    server.unregister_identity('client', 'bot')
    server.register_feature(FEATURE)

    albums = aioxmpp.disco.StaticNode()
    albums.register_identity('hierarchy', 'branch', names={aioxmpp.structs.LanguageTag.fromstr('en'): 'Albums'})
    albums.register_feature('urn:example:albums')
    for node, name in ALBUMS:
        albums.items.append(aioxmpp.disco.xso.Item(jid=client.local_jid, node=node, name=name))
    server.mount_node('albums', albums)
    # The root lists the albums node.
    root_items = aioxmpp.disco.StaticNode()
    root_items.items.append(aioxmpp.disco.xso.Item(jid=client.local_jid, node='albums', name='Photo albums'))
    server.iter_items = root_items.iter_items


def watch_caps(client):
    caps = client.summon(aioxmpp.EntityCapsService)
    query_and_cache = caps.query_and_cache

    # The service's own check (key.verify) wrapped only to hear its verdict.
    async def reported(jid, key, fut):
        try:
            return await query_and_cache(jid, key, fut)
        finally:
            verified = fut.done() and not fut.cancelled() and fut.exception() is None
            report(event='caps', jid=str(jid), node=key.node, verified=verified)

    caps.query_and_cache = reported


async def run(client, disco):
    loop = asyncio.get_event_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def handle(command):
        try:
            cmd = command['cmd']
            if cmd == 'info':
                info = await disco.query_info(aioxmpp.JID.fromstr(command['jid']), node=command.get('node'), require_fresh=command.get('fresh', True), timeout=15)
                result = info_dict(info)
            elif cmd == 'items':
                items = await disco.query_items(aioxmpp.JID.fromstr(command['jid']), node=command.get('node'), require_fresh=True, timeout=15)
                result = {'node': items.node, 'items': [item_dict(i) for i in items.items]}
            elif cmd == 'presence':
                presence = aioxmpp.Presence(type_=aioxmpp.PresenceType.AVAILABLE, to=aioxmpp.JID.fromstr(command['to']))
                await client.send(presence)
                result = None
            else:
                raise ValueError(f'unknown command {cmd}')
            report(id=command['id'], ok=True, result=result)
        except Exception as error:  # any failure goes to the test
            condition = getattr(error, 'condition', None)
            report(id=command['id'], ok=False, error=repr(error),
                   condition=getattr(condition, 'value', [None, None])[1] if condition is not None else None)

    # Held: asyncio keeps only weak references to tasks.
    tasks = set()
    while True:
        line = await reader.readline()
        if not line:
            return
        task = asyncio.ensure_future(handle(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def main():
    host, port, jid, password = sys.argv[1:5]
    # Loopback test server: plain TCP, no TLS.
    security = aioxmpp.make_security_layer(password)._replace(tls_required=False)
    client = aioxmpp.PresenceManagedClient(
        aioxmpp.JID.fromstr(jid),
        security,
        override_peer=[(host, int(port), aioxmpp.connector.STARTTLSConnector())],
    )
    serve(client)
    watch_caps(client)
    disco = client.summon(aioxmpp.DiscoClient)
    async with client.connected() as stream:
        report(event='online', jid=str(client.local_jid))
        await run(client, disco)


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except Exception as error:
        report(event='error', message=repr(error))
        sys.exit(1)
