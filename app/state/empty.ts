import { SCENARIO_VERSION, SettingsSchema, type Scenario } from '../../engine/model/scenario.ts';

/** A document with nothing in it yet. */
export function emptyScenario(name = 'Untitled scenario'): Scenario {
  return {
    netplay: SCENARIO_VERSION,
    name,
    description: '',
    settings: SettingsSchema.parse({}),
    resources: [],
    traffic: [],
    timeline: [],
    captures: [],
    decodeAs: [],
    layout: {},
  };
}
