from livecoach.cli.main import main

raise SystemExit(main())
