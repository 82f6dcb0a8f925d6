/**
 * A real SMTP server in its own process for the tests (the `smtp-server` package): it accepts mail
 * on a free loopback port, appends each message as a JSON line to the file given, and answers
 * recipients whose local part starts with `bounce` with a temporary failure (451) so that retries
 * and dead letters can be tested. Prints `{"port":N}` when it listens.
 *   tsx server/reminders/smtp-sink.fixture.ts OUT.jsonl
 */
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const out = process.argv[2];
if (!out) throw new Error('usage: smtp-sink.fixture.ts OUT.jsonl');

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('bounce')) {
      const e = Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 });
      return callback(e);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const messageId = /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? null;
      const subject = /^Subject:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? null;
      const body = raw.split(/\r?\n\r?\n/).slice(1).join('\n\n').trim();
      appendFileSync(out, `${JSON.stringify({ to: session.envelope.rcptTo.map((r) => r.address), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, messageId, subject, body, at: Date.now() })}\n`);
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
