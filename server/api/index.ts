export { serviceRouter, createCaller, type ServiceRouter } from './app.router';
export { createContextInner, type Context } from './trpc';
