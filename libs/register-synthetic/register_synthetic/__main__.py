"""``python -m register_synthetic --seed 1 --dwellings 10000 --format summary``"""

from register_synthetic.cli import main

raise SystemExit(main())
