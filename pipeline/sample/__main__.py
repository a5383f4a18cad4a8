import sys

from pipeline.sample.cli import main

sys.exit(main())
