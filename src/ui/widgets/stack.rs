//! Sections stacked from the top of an area, each a title row, a block of rows and a blank
//! line, for as long as a title and a row still fit (the churn pane's breakdowns).

use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};

/// What is left of an area as sections are taken from its top.
pub struct Stack {
    left: Rect,
}

impl Stack {
    pub fn new(area: Rect) -> Stack {
        Stack { left: area }
    }

    /// The rows left below the sections taken so far.
    pub fn rows_left(&self) -> u16 {
        self.left.height
    }

    /// The next section for a block that wants `wanted` rows: its title row and the block's
    /// area (cut to what is left), or None once fewer than three rows are left.
    pub fn next(&mut self, wanted: u16) -> Option<(Rect, Rect)> {
        if self.left.height <= 2 {
            return None;
        }
        let body = wanted.min(self.left.height - 1);
        let gap = (self.left.height - 1 - body).min(1);
        let [title, block, _, rest] =
            Layout::vertical([Length(1), Length(body), Length(gap), Fill(1)]).areas(self.left);
        self.left = rest;
        Some((title, block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_take_title_block_and_gap_until_three_rows_are_left() {
        let mut stack = Stack::new(Rect::new(2, 10, 30, 12));
        let (title, block) = stack.next(4).unwrap_or_default();
        assert_eq!((title, block), (Rect::new(2, 10, 30, 1), Rect::new(2, 11, 30, 4)));
        assert_eq!(stack.rows_left(), 6);
        // A block wanting more than is left is cut: title and 5 rows, no gap.
        let (title, block) = stack.next(9).unwrap_or_default();
        assert_eq!((title, block), (Rect::new(2, 16, 30, 1), Rect::new(2, 17, 30, 5)));
        assert_eq!(stack.rows_left(), 0);
        assert_eq!(stack.next(1), None);
    }

    #[test]
    fn two_rows_are_not_enough_for_a_section() {
        let mut stack = Stack::new(Rect::new(0, 0, 10, 2));
        assert_eq!(stack.next(1), None);
        let mut stack = Stack::new(Rect::new(0, 0, 10, 3));
        assert_eq!(
            stack.next(5),
            Some((Rect::new(0, 0, 10, 1), Rect::new(0, 1, 10, 2)))
        );
    }
}
