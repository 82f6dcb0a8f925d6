import { describe, expect, it } from 'vitest';
import { placeOnBody } from './body-map';

describe('body map placement', () => {
  it('puts common wound sites on the right view, on the patient’s side (anatomical position)', () => {
    expect(placeOnBody('Right heel', 'right')).toEqual({ view: 'back', x: 0.59, y: 0.975 });
    expect(placeOnBody('heel', 'left')).toEqual({ view: 'back', x: 0.41, y: 0.975 });
    expect(placeOnBody('Sacrum', null)).toEqual({ view: 'back', x: 0.5, y: 0.47 });
    const shinRight = placeOnBody('Anterior shin', 'right')!;
    const shinLeft = placeOnBody('Anterior shin', 'left')!;
    expect(shinRight.view).toBe('front');
    expect(shinRight.x).toBeLessThan(0.5); // the patient's right is the viewer's left from the front
    expect(shinLeft.x).toBeGreaterThan(0.5);
    expect(placeOnBody('medial malleolus', 'left')!.y).toBeGreaterThan(placeOnBody('knee', 'left')!.y);
    expect(placeOnBody('Plantar surface, first metatarsal head', 'right')!.view).toBe('back'); // plantar before metatarsal
    expect(placeOnBody('Hallux', 'right')!.y).toBeGreaterThan(0.99);
  });

  it('takes the side from the site’s words when laterality was not recorded', () => {
    expect(placeOnBody('left lateral malleolus', null)!.x).toBeGreaterThan(0.5);
    expect(placeOnBody('rt calf', null)!.x).toBeGreaterThan(0.5); // calf: back view, patient's right on the viewer's right
  });

  it('gives no place for a site it does not know', () => {
    expect(placeOnBody('Tracheostomy site', null)).toBeNull();
    expect(placeOnBody('See note', 'left')).toBeNull();
  });
});
