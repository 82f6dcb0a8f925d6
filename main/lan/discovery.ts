/**
 * DNS-SD advertisement of the receiver (`_coherency-scan._tcp`) via bonjour-service, so tablets
 * can find the workstation without typing an address. Off unless the receiver is started with
 * `advertise: true`: it multicasts on every interface, which tests and loopback-only setups must
 * never do. The TXT record carries the certificate fingerprint, the protocol version and the
 * clinic's display name; never patient data.
 */
import { Bonjour, Service, type ServiceConfig } from 'bonjour-service';
import type { Disposable } from './events';

export const SERVICE_TYPE = 'coherency-scan';
export const PROTOCOL_VERSION = '1';

export interface AdvertisementInput {
  /** Shown in the tablet's list, e.g. "Coherency — Northside Clinic". */
  instanceName: string;
  port: number;
  fingerprint: string;
  clinicName?: string;
}

/** The bonjour-service config for the receiver (pure: builds, sends nothing). */
export function advertisementConfig(input: AdvertisementInput): ServiceConfig {
  return {
    name: input.instanceName.slice(0, 63),
    type: SERVICE_TYPE,
    protocol: 'tcp',
    port: input.port,
    txt: {
      v: PROTOCOL_VERSION,
      fp: input.fingerprint,
      ...(input.clinicName ? { clinic: input.clinicName.slice(0, 100) } : {}),
    },
  };
}

/**
 * The DNS records an advertisement would announce, built by bonjour-service's own Service class
 * without opening a socket (for tests and for showing IT what goes on the wire).
 */
export function advertisementRecords(input: AdvertisementInput): ReturnType<Service['records']> {
  const noop = () => undefined;
  return new Service(advertisementConfig(input), noop, noop).records();
}

/** Starts advertising on the LAN (multicast 224.0.0.251:5353). Dispose to withdraw it. */
export function startAdvertising(input: AdvertisementInput, onError: (e: unknown) => void): Disposable {
  const bonjour = new Bonjour({}, onError);
  bonjour.publish(advertisementConfig(input));
  return {
    dispose() {
      bonjour.unpublishAll(() => bonjour.destroy());
    },
  };
}
