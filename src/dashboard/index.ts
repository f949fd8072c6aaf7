export { dashboardReply, isDashboardPath, CONTENT_SECURITY_POLICY, type DashboardReply } from './serveDashboard.js';
export { lifecycleChart, type LifecycleChart, type ChartState, type ChartTransition } from './lifecycleChart.js';
export { dashboardAssets, PUBLIC_DIR, type Asset } from './assets.js';
