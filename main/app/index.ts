/**
 * The composition root both shells use (main/electron for the desktop app, main/host for the
 * browser host): builds the services, opens clinics, binds connections to staff sessions. It
 * imports services; nothing but the shells imports it at run time (the tRPC context and the
 * services that are handed an open clinic may import its types).
 */
export { createServices, type Services, type ServiceOptions } from './services';
export { createWorkstation, newConnectionId, type Workstation, type WorkstationOptions, type OpenClinic, type ConnectionSession } from './workstation';
