export { createDevices, type DevicesService, type DevicesOptions, type DeviceIdentity, type DeviceView } from './devices.service';
export { ServiceError, UnauthenticatedError, DeviceRevokedError, EnrolmentCodeInvalidError, ClinicNotFoundError } from './errors';
export { sha256, parseToken, formatToken } from './tokens';
