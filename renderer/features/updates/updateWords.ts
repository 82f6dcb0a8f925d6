import type { UpdateStatus } from '../../../common/updates';

/**
 * The updater's state in words for IT (issue 19): what the last check found, or why it was
 * refused, naming the refusal's code so IT can look it up in the README. `tone` picks the colour.
 */
export function describeUpdateState(s: UpdateStatus): { text: string; tone: 'ok' | 'info' | 'warn' | 'bad' } {
  const offered = s.offered ?? 'a newer version';
  switch (s.state) {
    case 'checking':
      return { text: `Checking the ${s.channel} channel's feed…`, tone: 'info' };
    case 'up-to-date':
      return { text: `Up to date: ${s.installed} is the newest version on the ${s.channel} channel.`, tone: 'ok' };
    case 'not-in-rollout':
      return {
        text: `Version ${offered} is being rolled out to ${s.stagingPercentage ?? '?'} % of workstations; this one is not among them yet, and keeps ${s.installed}.`,
        tone: 'info',
      };
    case 'available':
      return s.installs
        ? { text: `Version ${offered} is available; it is being downloaded and checked.`, tone: 'info' }
        : { text: `Version ${offered} is available on the ${s.channel} channel (its signature checked). This copy does not install it.`, tone: 'info' };
    case 'downloading':
      return { text: `Downloading ${offered}: ${Math.round(s.progress ?? 0)} %.`, tone: 'info' };
    case 'ready':
      return { text: `Version ${offered} is downloaded and its file matches the signed checksum. Install restarts the app into it.`, tone: 'ok' };
    case 'refused':
      return { text: `Update refused (${s.error?.code ?? 'UPDATE_REFUSED'}): ${s.error?.message ?? 'no reason given.'}`, tone: 'bad' };
    case 'error':
      return { text: s.error?.message ?? 'The update check failed.', tone: 'bad' };
    case 'idle':
      if (s.error) return { text: `Not checked (${s.error.code}): ${s.error.message}`, tone: 'warn' };
      return { text: s.checkedAt === null ? 'Not checked since the app started.' : 'Not checked on this channel yet.', tone: 'info' };
  }
}

/** Whether the screen polls: a check or download under way (the desktop app downloads what is available; the browser host stops there). */
export function isMoving(s: Pick<UpdateStatus, 'state' | 'installs'>): boolean {
  return s.state === 'checking' || s.state === 'downloading' || (s.installs && s.state === 'available');
}
