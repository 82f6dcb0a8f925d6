/**
 * How reminders leave the service. E-mail goes over SMTP with nodemailer; SMS is an interface only
 * (no provider is wired in: jobs on the SMS channel wait until one is given to the sender).
 */
import nodemailer from 'nodemailer';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  /** Stable per reminder, so a mail server can recognise a resend after a crash. */
  messageId: string;
}

export interface EmailSender {
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

export interface SmsSender {
  send(message: { to: string; text: string; id: string }): Promise<void>;
}

export interface SmtpOptions {
  host: string;
  port: number;
  /** SMTPS from the first byte (465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  from: string;
  /** Accept a self-signed certificate (tests only). */
  allowSelfSigned?: boolean;
}

export function createSmtpSender(o: SmtpOptions): EmailSender {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure ?? false,
    ...(o.user ? { auth: { user: o.user, pass: o.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    ...(o.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
  });
  return {
    async send(m) {
      await transport.sendMail({ from: o.from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId });
    },
    close: () => transport.close(),
  };
}
