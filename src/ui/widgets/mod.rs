//! Widgets shared by the panes: the generic table, metric rows, sparklines, the trend chart,
//! the help overlay, stacked sections.

pub mod help;
pub mod metric_rows;
pub mod overlay;
pub mod sparkline;
pub mod stack;
pub mod table;
pub mod trend;
