/** Hand-made 20x20 icons for the resource kinds; stroke follows the text colour. */
import { memo, type ReactElement } from 'react';

export type IconName = 'vnet' | 'subnet' | 'vm' | 'publicIp' | 'loadBalancer' | 'gatewayLoadBalancer' | 'natGateway' | 'nva' | 'internetHost' | 'publicIpPrefix' | 'linuxRouter' | 'routeTable';

const PATHS: Record<IconName, ReactElement> = {
  vnet: (
    <>
      <rect x="2" y="3" width="16" height="14" rx="2" />
      <path d="M6 10h8M10 6v8" />
    </>
  ),
  subnet: (
    <>
      <rect x="2" y="3" width="16" height="14" rx="2" strokeDasharray="3 2" />
      <rect x="6" y="7" width="8" height="6" rx="1" />
    </>
  ),
  vm: (
    <>
      <rect x="2" y="3" width="16" height="11" rx="1.5" />
      <path d="M7 17h6M10 14v3" />
    </>
  ),
  nva: (
    <>
      <rect x="2" y="4" width="16" height="12" rx="1.5" />
      <path d="M5 8h10M5 12h10M8 4v4M12 8v4M8 12v4" />
    </>
  ),
  publicIp: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M2.5 10h15M10 2.5c2.5 2.5 2.5 12.5 0 15M10 2.5c-2.5 2.5-2.5 12.5 0 15" />
    </>
  ),
  publicIpPrefix: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M6 10h8M10 6v8" />
    </>
  ),
  loadBalancer: (
    <>
      <circle cx="4" cy="10" r="2" />
      <circle cx="16" cy="4" r="2" />
      <circle cx="16" cy="10" r="2" />
      <circle cx="16" cy="16" r="2" />
      <path d="M6 10h8M6 9l8-4M6 11l8 4" />
    </>
  ),
  gatewayLoadBalancer: (
    <>
      <path d="M3 3h14v14H3z" />
      <path d="M6 10h8M11 7l3 3-3 3" />
    </>
  ),
  natGateway: (
    <>
      <path d="M3 14h6l2-8h6" />
      <path d="M14 3l3 3-3 3M3 6h4M3 17h14" />
    </>
  ),
  linuxRouter: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M6 8h8l-2-2M14 12H6l2 2" />
    </>
  ),
  routeTable: (
    <>
      <rect x="2.5" y="3" width="15" height="14" rx="1.5" />
      <path d="M2.5 7.5h15M7 7.5V17M9.5 12h5l-1.5-1.5M14.5 12l-1.5 1.5" />
    </>
  ),
  internetHost: (
    <>
      <path d="M5 15a4 4 0 0 1 .5-8 5 5 0 0 1 9.5 1.5A3.3 3.3 0 0 1 15 15z" />
    </>
  ),
};

export const Icon = memo(function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {PATHS[name]}
    </svg>
  );
});
