import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { registerCapturePanel } from './panels/capture/index.ts';
import { registerSnatPanels } from './panels/snat/index.ts';
import { registerTcpPingPanel } from './panels/tcpping/index.ts';
import { registerNetfilterPanel } from './panels/netfilter/index.ts';
import { startRunHalf } from './run/wire.ts';
import { loadInitialDocument } from './shell/boot.ts';

registerCapturePanel();
registerSnatPanels();
registerTcpPingPanel();
registerNetfilterPanel();
startRunHalf();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

void loadInitialDocument().finally(() => {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
