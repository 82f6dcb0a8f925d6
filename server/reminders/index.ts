export { createReminderSender, type ReminderSender, type ReminderSenderOptions } from './reminders.service';
export { createSmtpSender, type EmailSender, type SmsSender, type SmtpOptions, type OutgoingMessage } from './channels';
