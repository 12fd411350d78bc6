/**
 * Run / Pause / Step / Back / Reset, the speed (0.1x to 100x: a logarithmic slider and presets),
 * the virtual clock, and the timeline that scrubs to any virtual time. The buttons call the
 * actions playback puts in the sim store. Run and Step are disabled while the scenario has
 * errors, with the first one as the reason.
 */
import { memo, useState } from 'react';
import { useDocumentStore } from '../state/document-store.ts';
import { runBlocker, useValidation } from '../state/validation.ts';
import {
  formatClock,
  formatSpeed,
  setSpeed,
  sliderFromSpeed,
  SPEED_PRESETS,
  speedFromSlider,
  useSimStore,
  type SimActions,
} from '../state/sim-store.ts';
import './run.css';

export const NOT_WIRED = 'the simulator is not wired yet';

type ButtonAction = 'run' | 'pause' | 'step' | 'back' | 'reset';

function ActionButton({ name, label, hint, reason }: { name: ButtonAction; label: string; hint: string; reason: string | null }) {
  const actions = useSimStore((s) => (s.wired ? s.actions : null));
  const why = !actions ? NOT_WIRED : reason;
  return (
    <button
      type="button"
      className={`btn run-btn run-btn-${name}`}
      aria-label={label}
      disabled={why !== null}
      title={why ?? hint}
      onClick={() => (actions as SimActions | null)?.[name]()}
    >
      {label}
    </button>
  );
}

function SpeedControl() {
  const speed = useSimStore((s) => s.speed);
  return (
    <div className="speed" role="group" aria-label="Playback speed">
      <input
        type="range"
        aria-label="Speed"
        aria-valuetext={formatSpeed(speed)}
        min={0}
        max={1}
        step={0.005}
        value={sliderFromSpeed(speed)}
        onChange={(e) => setSpeed(speedFromSlider(Number(e.target.value)))}
      />
      <select
        aria-label="Speed preset"
        className="speed-presets mono"
        value={SPEED_PRESETS.includes(speed as (typeof SPEED_PRESETS)[number]) ? String(speed) : 'custom'}
        onChange={(e) => e.target.value !== 'custom' && setSpeed(Number(e.target.value))}
      >
        {!SPEED_PRESETS.includes(speed as (typeof SPEED_PRESETS)[number]) && <option value="custom">{formatSpeed(speed)}</option>}
        {SPEED_PRESETS.map((p) => (
          <option key={p} value={String(p)}>
            {formatSpeed(p)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The timeline: drag to scrub. The engine rebuilds earlier states, so any time can be reached. */
function Timeline() {
  const clockUs = useSimStore((s) => s.clockUs);
  // Before the first run, the document says how long a run is.
  const docUs = useDocumentStore((s) => Math.round(s.doc.settings.durationSeconds * 1e6));
  const loadedUs = useSimStore((s) => s.durationUs);
  const durationUs = loadedUs || docUs;
  const actions = useSimStore((s) => s.actions);
  const blocker = runBlocker(useValidation());
  const [drag, setDrag] = useState<number | null>(null);
  const [pointer, setPointer] = useState(false);
  const value = drag ?? clockUs;
  const max = Math.max(durationUs, 1);
  const commit = () => {
    if (drag !== null) actions?.seek(drag);
    setDrag(null);
    setPointer(false);
  };
  return (
    <input
      type="range"
      className="timeline"
      aria-label="Timeline"
      aria-valuetext={formatClock(value)}
      min={0}
      max={max}
      step={1000}
      value={Math.min(value, max)}
      disabled={!actions || blocker !== null}
      title={blocker ?? 'Drag to any virtual time'}
      onPointerDown={() => setPointer(true)}
      onChange={(e) => {
        // A drag seeks once, when it ends; a key press or a typed value seeks at once.
        if (pointer) setDrag(Number(e.target.value));
        else actions?.seek(Number(e.target.value));
      }}
      onPointerUp={commit}
      onBlur={commit}
    />
  );
}

function Clock() {
  const clockUs = useSimStore((s) => s.clockUs);
  const total = useSimStore((s) => s.total);
  const status = useSimStore((s) => s.status);
  return (
    <>
      <output className="clock mono" aria-label="Virtual clock" title={`virtual time since the start of the run; ${total.toLocaleString('en-US')} trace events`}>
        {formatClock(clockUs)}
      </output>
      <span className="run-status" aria-label="Run status" data-status={status}>
        {status}
      </span>
    </>
  );
}

export const RunControls = memo(function RunControls() {
  const status = useSimStore((s) => s.status);
  const clockUs = useSimStore((s) => s.clockUs);
  const total = useSimStore((s) => s.total);
  const blocker = runBlocker(useValidation());
  const running = status === 'running';
  const busy = status === 'loading';
  return (
    <div className="run-controls" role="group" aria-label="Run controls">
      {running ? (
        <ActionButton name="pause" label="Pause" hint="Pause" reason={null} />
      ) : (
        <ActionButton name="run" label="Run" hint="Run" reason={blocker ?? (busy ? 'loading the scenario' : null)} />
      )}
      <ActionButton name="step" label="Step" hint="One trace event forward" reason={blocker ?? (running ? 'pause first' : null)} />
      <ActionButton name="back" label="Back" hint="One trace event back" reason={running ? 'pause first' : total === 0 && clockUs === 0 ? 'nothing to go back to' : null} />
      <ActionButton name="reset" label="Reset" hint="Back to time 0" reason={status === 'idle' && clockUs === 0 ? 'nothing to reset' : null} />
      <SpeedControl />
      <Timeline />
      <Clock />
    </div>
  );
});

