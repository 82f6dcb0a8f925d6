/**
 * Travel time between two home visits: great-circle distance × 1.4 (roads are not straight) at the
 * clinic's average speed, rounded up to 5 minutes; without coordinates on both, the clinic's
 * default travel time, marked as estimated. No map service: the record stays offline.
 */
import type { OperationsSettings } from '../../common/operations';

const ROAD_FACTOR = 1.4;
const EARTH_KM = 6371;

interface Place {
  latitude: number | null;
  longitude: number | null;
  address: string | null;
}

export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function estimateTravelMinutes(from: Place, to: Place, settings: Pick<OperationsSettings, 'travelSpeedKmh' | 'defaultTravelMinutes'>): { minutes: number; estimated: boolean } {
  if (from.address !== null && from.address === to.address) return { minutes: 0, estimated: false };
  if (from.latitude === null || from.longitude === null || to.latitude === null || to.longitude === null) return { minutes: settings.defaultTravelMinutes, estimated: true };
  const km = distanceKm({ latitude: from.latitude, longitude: from.longitude }, { latitude: to.latitude, longitude: to.longitude }) * ROAD_FACTOR;
  return { minutes: Math.ceil(((km / settings.travelSpeedKmh) * 60) / 5) * 5, estimated: false };
}
