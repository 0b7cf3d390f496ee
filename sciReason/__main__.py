from sciReason.cli import main

main()
