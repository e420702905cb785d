"""Course certificates: verification codes and the PDF/PNG renderer (pure, no I/O or clock)."""
