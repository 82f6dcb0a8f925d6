/**
 * The DNS-SD advertisement is checked through bonjour-service's own record building, without
 * opening the mDNS socket: advertising multicasts to 224.0.0.251 on every interface, which these
 * tests must never do (the receiver tests run with `advertise` off, its default).
 */
import { describe, expect, it } from 'vitest';
import { advertisementConfig, advertisementRecords } from './discovery';

const fingerprint = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');

describe('DNS-SD advertisement', () => {
  it('announces _coherency-scan._tcp with the certificate fingerprint, version and clinic name in TXT', () => {
    const input = { instanceName: 'Coherency on ws-01', port: 8443, fingerprint, clinicName: 'Northside Wound Clinic' };
    expect(advertisementConfig(input)).toMatchObject({ type: 'coherency-scan', protocol: 'tcp', port: 8443 });
    const records = advertisementRecords(input);
    const ptr = records.find((r) => r.type === 'PTR' && r.name === '_coherency-scan._tcp.local');
    expect(ptr?.data).toBe('Coherency on ws-01._coherency-scan._tcp.local');
    const srv = records.find((r) => r.type === 'SRV');
    expect(srv).toMatchObject({ name: 'Coherency on ws-01._coherency-scan._tcp.local', data: expect.objectContaining({ port: 8443 }) });
    const txt = records.find((r) => r.type === 'TXT');
    const entries = (txt?.data as Buffer[]).map((b) => b.toString('utf8'));
    expect(entries.sort()).toEqual(['clinic=Northside Wound Clinic', `fp=${fingerprint}`, 'v=1']);
  });

  it('leaves the clinic out when none is given and never carries anything else', () => {
    const records = advertisementRecords({ instanceName: 'ws', port: 1, fingerprint });
    const txt = records.find((r) => r.type === 'TXT');
    expect((txt?.data as Buffer[]).map((b) => b.toString('utf8').split('=')[0]).sort()).toEqual(['fp', 'v']);
  });
});
