#!/usr/bin/python3
"""A real SMTP server for the email handler tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1, on a free port it prints as "READY <port>" on stdout,
and stops when its stdin closes (so it dies with the test that started it).

Modes:
  starttls  offers STARTTLS, requires it before MAIL, offers AUTH only after it
  tls       implicit TLS (the socket speaks TLS at once), AUTH allowed
  plain     no TLS at all; AUTH offered in clear when --user is given

With --user, AUTH PLAIN and LOGIN are offered (--login-only: LOGIN only).

Each accepted message is written to MAILDIR/<n>.eml, with the envelope as
X-Test-Mail-From / X-Test-Rcpt-To header lines in front, and its queue id as
X-Test-Queue-Id; the reply to DATA names that id as Postfix does:
"250 2.0.0 Ok: queued as 4F2A9C01B3".

Recipients whose local part is "tempfail" get "451 4.3.0" at RCPT, "reject"
gets "550 5.1.1". A failed AUTH is answered with a 535 that echoes the
password tried: the server is deliberately leaky, so the tests can check
that the handler redacts what a server sends back.
"""

import argparse
import asyncio
import os
import secrets
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if local == "reject":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        queue_id = secrets.token_hex(5).upper()
        head = "X-Test-Queue-Id: %s\r\nX-Test-Mail-From: %s\r\nX-Test-Rcpt-To: %s\r\nX-Test-Auth: %s\r\nX-Test-TLS: %s\r\n" % (
            queue_id,
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            "yes" if session.authenticated else "no",
            "yes" if session.ssl is not None or server.transport.get_extra_info("sslcontext") else "no",
        )
        path = os.path.join(self.maildir, "%d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as %s" % queue_id


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode()
                and auth_data.password == password.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        tried = auth_data.password.decode(errors="replace") if isinstance(auth_data, LoginPassword) else "?"
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Authentication failed: bad password %s" % tried)
    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["starttls", "tls", "plain"], required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--maildir", required=True)
    p.add_argument("--login-only", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    args = p.parse_args()

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    handler = Handler(args.maildir)
    loop = asyncio.get_running_loop()

    def factory():
        kwargs = dict(hostname="smtp.test", loop=loop)
        if args.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if args.user:
            kwargs.update(authenticator=authenticator(args.user, args.password),
                          auth_required=True,
                          auth_require_tls=(args.mode == "starttls"),
                          auth_exclude_mechanism=["PLAIN"] if args.login_only else None)
        return SMTP(handler, **kwargs)

    server = await loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=context if args.mode == "tls" else None)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
