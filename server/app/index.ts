export { createServerServices, type ServerServices, type BuildOptions } from './services';
export { listen, type RunningServer, MAX_BODY_BYTES } from './http';
export { configFromEnv, configSchema, type Config } from './config';
