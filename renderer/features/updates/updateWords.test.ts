import { describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../../../common/updates';
import { describeUpdateState, isMoving } from './updateWords';

const base: UpdateStatus = {
  installs: false,
  note: 'The browser host does not install updates.',
  channel: 'stable',
  feedUrl: 'http://feed.example/linux',
  installed: '1.2.0',
  state: 'idle',
  offered: null,
  signedBy: null,
  stagingPercentage: null,
  progress: null,
  error: null,
  checkedAt: null,
};

describe('the update state in words (issue 19)', () => {
  it('names a refusal by its code and keeps the message IT can act on', () => {
    const words = describeUpdateState({ ...base, state: 'refused', error: { code: 'UPDATE_DOWNGRADE', message: 'The feed offers 1.1.0, older than 1.2.0.' }, checkedAt: 1 });
    expect(words).toEqual({ text: 'Update refused (UPDATE_DOWNGRADE): The feed offers 1.1.0, older than 1.2.0.', tone: 'bad' });
  });

  it('says why nothing was checked when no feed is configured, and when nothing was checked yet', () => {
    expect(describeUpdateState({ ...base, feedUrl: null, error: { code: 'UPDATE_NO_FEED', message: 'No update feed is configured.' }, checkedAt: 5 })).toEqual({
      text: 'Not checked (UPDATE_NO_FEED): No update feed is configured.',
      tone: 'warn',
    });
    expect(describeUpdateState(base).text).toBe('Not checked since the app started.');
  });

  it('tells an available update apart where this copy installs and where it does not', () => {
    expect(describeUpdateState({ ...base, state: 'available', offered: '1.3.0' }).text).toMatch(/1\.3\.0 is available on the stable channel .*does not install it/);
    expect(describeUpdateState({ ...base, installs: true, state: 'available', offered: '1.3.0' }).text).toMatch(/being downloaded/);
    expect(describeUpdateState({ ...base, installs: true, state: 'ready', offered: '1.3.0' }).text).toMatch(/Install restarts the app/);
  });

  it('states the staged rollout and the progress as numbers', () => {
    expect(describeUpdateState({ ...base, state: 'not-in-rollout', offered: '1.3.0', stagingPercentage: 20 }).text).toBe(
      'Version 1.3.0 is being rolled out to 20 % of workstations; this one is not among them yet, and keeps 1.2.0.',
    );
    expect(describeUpdateState({ ...base, installs: true, state: 'downloading', offered: '1.3.0', progress: 41.6 }).text).toBe('Downloading 1.3.0: 42 %.');
    expect(describeUpdateState({ ...base, state: 'up-to-date' })).toEqual({ text: 'Up to date: 1.2.0 is the newest version on the stable channel.', tone: 'ok' });
  });

  it('polls while a check or a download runs, not on an offer the browser host will never download', () => {
    expect(isMoving({ ...base, state: 'checking' })).toBe(true);
    expect(isMoving({ ...base, installs: true, state: 'available' })).toBe(true);
    expect(isMoving({ ...base, installs: false, state: 'available' })).toBe(false);
    expect(isMoving({ ...base, state: 'refused' })).toBe(false);
  });
});
