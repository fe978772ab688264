from rapport.cli import main

raise SystemExit(main())
