"""What every feature keeps about personal data, below the features so any of them may
use it: who looked at it (`access_log`), each erasure (`erasure_log`) and how long a
gathering's data is kept (`periods`). The privacy feature, above the features it erases,
shows these logs and runs retention and erasure."""
