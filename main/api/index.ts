export { appRouter, createCaller, type AppRouter } from './app.router';
export { createContextInner, type Context, type CallerSession } from './context';
export { createServices, type Services, type ServiceOptions } from './services';
