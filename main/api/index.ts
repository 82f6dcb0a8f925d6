export { appRouter, createCaller, type AppRouter } from './app.router';
export { createContextInner, type Context } from './context';
export type { Access, Meta } from './trpc';
