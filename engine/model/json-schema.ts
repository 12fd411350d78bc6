/** The JSON Schema of the scenario document, generated from the validator (never written by hand). */
import { z } from 'zod';
import { SCENARIO_VERSION, ScenarioSchema } from './scenario.ts';

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: `https://netplay.dev/schema/scenario-v${SCENARIO_VERSION}.json`,
    title: 'netplay scenario',
    description:
      'One netplay scenario: resources, traffic, timeline, capture points and layout. Generated from engine/model by `npm run schema`; semantic rules (references, addressing) are checked by restoreScenario.',
  };
}
