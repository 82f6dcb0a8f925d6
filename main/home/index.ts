/** Each role's home screen: today's patients, assessments awaiting sign-off, a manager's overview, the workstation's health. */
export { createHomeService, DEFAULT_TODAY_SOURCES, bookingsSource, scansSource, assessmentsSource, recentlyOpenedSource, RECENTLY_OPENED_MS, type HomeService, type TodaySource, type DayRange } from './home.service';
export { workstationHealth, SYNC_NOT_CONFIGURED, type HealthDeps } from './health';
