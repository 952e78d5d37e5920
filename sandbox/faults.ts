/**
 * The sandbox's fault catalogue: every fault on every variant it exists on, from the definitions by layer
 * (./faults/: storage, app, proxy, the monitor's own settings). Each fault's verdict is checked by the fault matrix.
 */
import { APP_FAULTS } from './faults/app.ts';
import { MONITOR_FAULTS } from './faults/monitor.ts';
import { PROXY_FAULTS } from './faults/proxy.ts';
import { STORAGE_FAULTS } from './faults/storage.ts';
import {
  type FaultDefinition,
  NAME_PREFIX,
  PROXY_NAMES,
  SANDBOX_VARIANTS,
  type SandboxFaultOf,
  type Variant,
} from './faults/types.ts';

export * from './faults/types.ts';

const FAULT_DEFINITIONS = [...STORAGE_FAULTS, ...APP_FAULTS, ...PROXY_FAULTS, ...MONITOR_FAULTS] as const;

type EntryName<D> = D extends { readonly name: infer N extends string; readonly on: infer O }
  ? { [V in keyof O & Variant]: `${(typeof NAME_PREFIX)[V]}${N}` }[keyof O & Variant]
  : never;
export type FaultName = EntryName<(typeof FAULT_DEFINITIONS)[number]>;
export type SandboxFault = SandboxFaultOf<FaultName>;

/** A definition's entry on one variant: the shared fields, what differs there, `{proxy}` named. */
function entry(d: FaultDefinition, variant: Variant): SandboxFault {
  const { on, name, ...shared } = d;
  const merged = { ...shared, ...on[variant] };
  const text = (s: string | undefined) => (s ?? '').replaceAll('{proxy}', PROXY_NAMES[variant]);
  const { change, expected, saw, symptoms } = merged;
  if (!change || !expected || !saw || !symptoms) throw new Error(`fault ${name} is incomplete on ${variant}`);
  return {
    ...merged,
    name: `${NAME_PREFIX[variant]}${name}` as FaultName,
    variant,
    description: text(merged.description),
    changes: text(merged.changes),
    change,
    expected,
    saw,
    symptoms,
  };
}

/** Every fault on every variant it exists on, variant by variant. */
export const SANDBOX_FAULTS: readonly SandboxFault[] = (Object.keys(SANDBOX_VARIANTS) as Variant[]).flatMap(
  (variant) =>
    (FAULT_DEFINITIONS as readonly FaultDefinition[])
      .filter((d) => variant in d.on)
      .map((d) => entry(d, variant)),
);

/** The faults of one sandbox variant. */
export function variantFaults(variant: Variant): SandboxFault[] {
  return SANDBOX_FAULTS.filter((f) => f.variant === variant);
}

export function sandboxFault(name: FaultName): SandboxFault {
  const fault = SANDBOX_FAULTS.find((f) => f.name === name);
  if (!fault) throw new Error(`no sandbox fault named "${name}"`);
  return fault;
}
