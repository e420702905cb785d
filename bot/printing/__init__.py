"""Printing: what every printed page of Beacon is drawn with (a leaf utility, no feature code).

- `fonts`: the bundled Noto fonts per script, their coverage, which font sets a text.
- `text`: cleaning, line breaking and ellipsis, and Arabic shaping plus bidi reordering for
  Pillow without Raqm.
- `layout`: the house colours and frame, text styles, and lines fitted and stacked in a box.
- `qr`: QR code modules and their dark runs.
- `pdf`, `png`, `svg`: a page, its frame, laid-out lines and a QR code in each format.

The certificate (bot/certificates/render.py), the campaign poster (bot/campaigns/poster.py)
and the organization chart (bot/orgs/export.py) are templates on these modules.
"""
