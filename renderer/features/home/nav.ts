/** Where a home tile can send the user: an area of the app, with what to open there. */
export type Go = (areaId: string, params?: { patientId?: string; woundId?: string }) => void;

/** Local midnight to the next one: "today" as the user lives it (the home screen's day). */
export function todayRange(now = new Date()): { from: number; to: number } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const to = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
  return { from, to };
}
